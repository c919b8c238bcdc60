using System.Text.Json;
using Provisioner.Farm.Jobs;
using Provisioner.Worker.Tools;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// Asks the worker's own Blender what it can do, once at start-up: its version, the denoisers its
/// build has (OpenImageDenoise is a build option, and Debian's 3.4 lacks it; OptiX needs a card
/// OptiX sees), which of the farm's frame formats it writes and which engine ids it takes. One Blender start, about two
/// seconds; the answer is one JSON line among Blender's own output.
/// </summary>
public static class BlenderProbe
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private const string Marker = "PROVISION-BLENDER-FEATURES ";

    // The farm's names for what is found; the JSON is printed by Blender's Python, read by us.
    private const string Script = """
        import bpy, json, _cycles
        formats = {i.identifier for i in bpy.types.ImageFormatSettings.bl_rna.properties['file_format'].enum_items}
        denoisers = []
        if getattr(_cycles, 'with_openimagedenoise', False): denoisers.append('openimagedenoise')
        if any(d[1] == 'OPTIX' for d in _cycles.available_devices('OPTIX')): denoisers.append('optix')
        denoisers.append('none')
        engines = []
        for engine in ENGINES:
            try:
                bpy.context.scene.render.engine = engine
                engines.append(engine)
            except TypeError:
                pass
        print('PROVISION-BLENDER-FEATURES ' + json.dumps({'version': bpy.app.version_string, 'denoisers': denoisers, 'formats': [f for f in FORMATS if f in formats], 'engines': engines}))
        """;

    /// <summary>The features, or the reason they could not be read (the worker then says so and runs without them).</summary>
    public static async Task<(BlenderFeatures? Features, string? Problem)> ProbeAsync(string blender, CancellationToken cancellationToken)
    {
        var script = Script
            .Replace("FORMATS", PythonList(FrameFormats.Names), StringComparison.Ordinal)
            .Replace("ENGINES", PythonList(Engines.AllBlenderIds), StringComparison.Ordinal);
        var output = await ToolProcess.RunAsync(blender, ["-b", "--factory-startup", "--python-expr", script], Deadline, cancellationToken).ConfigureAwait(false);
        if (output.StartFailure is { } why)
        {
            return (null, $"{blender} did not start: {why}");
        }

        return Parse(output.Text) is { } features ? (features, null)
            : (null, $"{blender} did not say what it can do (exit {output.ExitCode}): {output.Text.Trim().Split('\n')[^1]}");
    }

    private static string PythonList(IEnumerable<string> names) => "[" + string.Join(", ", names.Select(n => $"'{n}'")) + "]";

    /// <summary>The features from Blender's output, or null when the line is missing or malformed.</summary>
    public static BlenderFeatures? Parse(string output)
    {
        var line = output.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(line[Marker.Length..]);
            var root = json.RootElement;
            string[] List(string name) => [.. root.GetProperty(name).EnumerateArray().Select(e => e.GetString() ?? "")];
            var version = root.GetProperty("version").GetString() ?? "";
            // An agent's probe from before engines were asked has none: null, not "no engine".
            var engines = root.TryGetProperty("engines", out _) ? List("engines") : null;
            return version.Length == 0 ? null : new BlenderFeatures(version, List("denoisers"), List("formats"), engines);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
