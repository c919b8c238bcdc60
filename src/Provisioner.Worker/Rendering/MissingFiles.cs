namespace Provisioner.Worker.Rendering;

/// <summary>
/// The scene's external files, asked of Blender before the first frame. A texture, linked library,
/// font, sound, movie clip or cache the scene names by a path this machine cannot open is not an
/// error to Blender: it renders a missing image as magenta and goes on, and the frame decodes fine.
/// The check runs in the render's own Blender (a --python-expr before the frame flags, so no extra
/// start-up): bpy.utils.blend_paths lists every external path, absolute and resolved against the
/// .blend (or its library), packed files left out; each one missing is printed after
/// <see cref="Marker"/> and Blender exits with <see cref="ExitCode"/> before rendering anything.
/// Paths with Blender's own placeholders (# frame numbers, &lt;UDIM&gt; tiles) count as present when
/// any file fits them.
/// </summary>
public static class MissingFiles
{
    public const string Marker = "PROVISION-MISSING ";

    /// <summary>75, EX_TEMPFAIL in sysexits.h: the files may appear once the share is mounted.</summary>
    public const int ExitCode = 75;

    public const string Check =
        "import bpy, glob, os, re, sys\n" +
        "def present(p):\n" +
        "    if '#' in p or '<' in p:\n" +
        "        return bool(glob.glob(re.sub(r'<[A-Z]+>', '*', p).replace('#', '?')))\n" +
        "    return os.path.exists(p)\n" +
        "missing = sorted(set(p for p in bpy.utils.blend_paths(absolute=True, packed=False) if not present(p)))\n" +
        "for p in missing:\n" +
        "    print('" + Marker + "' + p, flush=True)\n" +
        "if missing:\n" +
        "    sys.exit(75)\n";

    /// <summary>The task's error: the paths (the first ten, and how many in all), and what to do.</summary>
    public static string Explain(IReadOnlyList<string> missing)
    {
        var shown = string.Join(", ", missing.Take(10));
        var more = missing.Count > 10 ? $" and {missing.Count - 10} more" : "";
        return $"the scene needs {missing.Count} file(s) this worker cannot open: {shown}{more}. Nothing was rendered: " +
            "put them beside the .blend as it names them (submit the scene from the shared storage, or as a .zip with its files), or pack them (File > External Data > Pack Resources)";
    }
}
