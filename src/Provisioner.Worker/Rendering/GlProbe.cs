using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Provisioner.Worker.Tools;

namespace Provisioner.Worker.Rendering;

/// <summary>The OpenGL context Blender got: what gpu.platform says after drawing once.</summary>
public sealed partial record GlReading(string Renderer, string Vendor, string Version, string DeviceType)
{
    /// <summary>
    /// A software rasteriser: Mesa's llvmpipe, softpipe and swrast, or whatever Blender itself
    /// classes as SOFTWARE. On a GPU server this is seed 003's trap: no display, so no NVIDIA GL,
    /// so Mesa on the CPU, too slow (and once too old) for EEVEE.
    /// </summary>
    public bool IsSoftware => DeviceType == "SOFTWARE" || SoftwareName().IsMatch(Renderer);

    /// <summary>The GL version's major and minor number ("4.5 (Core Profile) Mesa 22.3.6" is 4.5), or null.</summary>
    public (int Major, int Minor)? Number => VersionNumber().Match(Version) is { Success: true } m
        ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
        : null;

    public override string ToString() => $"'{Renderer}' ({Vendor}, OpenGL {Version})";

    [GeneratedRegex("llvmpipe|softpipe|swrast|software rasterizer|lavapipe", RegexOptions.IgnoreCase)]
    private static partial Regex SoftwareName();

    [GeneratedRegex("^(\\d+)\\.(\\d+)")]
    private static partial Regex VersionNumber();
}

/// <summary>
/// Asks the worker's Blender which OpenGL it gets, as it would for an EEVEE or Workbench frame:
/// gpu.platform is only filled in once Blender has drawn, so the probe renders a 4×4 Workbench
/// image of the factory scene first (asking before that crashes Blender 3.4). About two seconds,
/// run before the worker's first GL task and kept for its life: the driver does not change under
/// a running worker (a driver update restarts the VM).
/// </summary>
public static class GlProbe
{
    private const string Marker = "PROVISION-GL ";

    private const string Script = """
        import bpy, gpu, json
        s = bpy.context.scene
        s.render.engine = 'BLENDER_WORKBENCH'
        s.render.resolution_x = 4
        s.render.resolution_y = 4
        s.render.resolution_percentage = 100
        bpy.ops.render.render()
        p = gpu.platform
        print('PROVISION-GL ' + json.dumps({'renderer': p.renderer_get(), 'vendor': p.vendor_get(), 'version': p.version_get(), 'device_type': p.device_type_get()}))
        """;

    public static async Task<(GlReading? Reading, string? Problem)> ProbeAsync(string blender, CancellationToken cancellationToken)
    {
        var output = await ToolProcess.RunAsync(blender, ["-b", "--factory-startup", "--python-expr", Script], BlenderProbe.Deadline, cancellationToken).ConfigureAwait(false);
        if (output.StartFailure is { } why)
        {
            return (null, $"{blender} did not start: {why}");
        }

        if (Parse(output.Text) is { } reading)
        {
            return (reading, null);
        }

        var said = output.Text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).TakeLast(2);
        return (null, $"Blender could not draw with OpenGL (exit {output.ExitCode}): {string.Join(" / ", said)}");
    }

    /// <summary>The reading from Blender's output, or null when its line is missing or malformed.</summary>
    public static GlReading? Parse(string output)
    {
        var line = output.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(line[Marker.Length..]);
            string Text(string name) => json.RootElement.GetProperty(name).GetString() ?? "";
            return Text("renderer") is { Length: > 0 } renderer ? new GlReading(renderer, Text("vendor"), Text("version"), Text("device_type")) : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>Whether a GL task (EEVEE, Workbench) may run on the context a worker's Blender gets.</summary>
public static class GlCheck
{
    /// <summary>Blender 2.80 and later stop at start with "A graphics card and driver with support for OpenGL 3.3 or higher is required."</summary>
    public static readonly (int Major, int Minor) Minimum = (3, 3);

    /// <summary>Why the task may not run, or null; a CPU job may render on software GL (it is flagged as such, not refused).</summary>
    public static string? Problem(GlReading? reading, string? probeProblem, string device, string engine)
    {
        if (reading is null)
        {
            return $"engine {engine} needs OpenGL and {probeProblem ?? "Blender gave no OpenGL reading"}";
        }

        if (reading.Number is { } number && number.CompareTo(Minimum) < 0)
        {
            return $"engine {engine} needs OpenGL {Minimum.Major}.{Minimum.Minor} or newer (Blender 2.80 and later); Blender got {reading}: install the NVIDIA driver's GL libraries (worker.gl)";
        }

        return device != "CPU" && reading.IsSoftware
            ? $"engine {engine} on {device}: Blender got a software OpenGL renderer, {reading}, not the GPU's: without a display Blender falls back to Mesa on the CPU. "
              + "Give the VM the NVIDIA driver's OpenGL (worker.gl: egl installs its GL and EGL libraries, xorg also runs a headless X server on the card), or submit with --device CPU to render on software OpenGL knowingly"
            : null;
    }
}
