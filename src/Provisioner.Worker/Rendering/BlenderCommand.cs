using System.Globalization;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// Blender's command line for one task. Blender reads its arguments in order and renders when it
/// meets <c>-f</c>/<c>-a</c>, so every output option (<c>-o -F -x</c>, engine, samples) comes
/// before the frame flag, and Cycles' own options (<c>--cycles-device</c>) after <c>--</c>. Frames
/// are written Blender's way: <c>-f 1..5</c> for a run (<c>1-5</c> would mean something else) or
/// <c>-s A -e B -a</c>. Arguments go to the process as a list, never through a shell.
/// </summary>
public sealed record BlenderCommand(
    string Blender,
    string Scene,
    string OutputPattern,
    FrameList Frames,
    string Device,
    int? Samples,
    int? Threads,
    RenderOptions? Settings = null,
    string EngineId = "CYCLES",
    BlenderArguments? Extra = null)
{
    private bool Cycles => EngineId == "CYCLES";

    public IReadOnlyList<string> Arguments()
    {
        var settings = Settings ?? RenderOptions.SceneDefaults;
        var extra = Extra ?? BlenderArguments.None;
        // The job's start-up options before the .blend (Blender applies -Y to files loaded after
        // it), its scene choice right after (every setting below then applies to that scene).
        var args = new List<string> { "-b" };
        args.AddRange(extra.Startup);
        args.Add(Scene);
        args.AddRange(extra.SceneChoice);
        // The scene's external files first: a missing one stops Blender before any frame (MissingFiles).
        args.AddRange(["--python-expr", MissingFiles.Check, "-E", EngineId, "-o", OutputPattern, "-F", settings.BlenderFormat, "-x", "1"]);
        if (Threads is { } threads)
        {
            args.AddRange(["-t", threads.ToString(CultureInfo.InvariantCulture)]);
        }

        if (Device != "CPU" && Cycles)
        {
            // --cycles-device picks the compute type and enables its cards, but a scene saved with
            // Device: CPU still renders on the CPU, silently: the most common complaint of every
            // farm. A GPU job renders on the GPU whatever the artist's file says.
            args.AddRange(["--python-expr", "import bpy; bpy.context.scene.cycles.device = 'GPU'"]);
        }

        if (Samples is { } samples)
        {
            args.AddRange(["--python-expr", RenderOptions.SamplesStatement(EngineId, samples)]);
        }

        if (settings.Statements() is { Count: > 0 } statements)
        {
            args.AddRange(["--python-expr", "import bpy; s = bpy.context.scene; " + string.Join("; ", statements)]);
        }

        var first = Frames.Frames[0];
        var last = Frames.Frames[^1];
        if (Frames.Count > 1 && last - first + 1 == Frames.Count)
        {
            // A contiguous run: render the animation range (same frames as -f a..b, one argument each).
            // -j 1: -a steps by the scene's own frame_step, so a scene saved with step 2 would
            // render every other frame of the range and the task would miss half its frames.
            args.AddRange(["-s", first.ToString(CultureInfo.InvariantCulture), "-e", last.ToString(CultureInfo.InvariantCulture), "-j", "1", "-a"]);
        }
        else
        {
            args.AddRange(["-f", Frames.ToBlenderArgument()]);
        }

        // Cycles reads its device after '--'; EEVEE and Workbench draw on the GL context's GPU.
        if (Cycles)
        {
            args.AddRange(["--", "--cycles-device", Device]);
            args.AddRange(extra.Cycles);
        }

        return args;
    }

    /// <summary>The command as one line for logs (arguments quoted where needed).</summary>
    public override string ToString() => CommandLine.Show(Blender, Arguments());
}
