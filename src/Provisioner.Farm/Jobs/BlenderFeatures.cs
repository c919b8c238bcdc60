using Provisioner.Farm.Queue;

namespace Provisioner.Farm.Jobs;

/// <summary>
/// What a worker's own Blender can do, asked of that Blender when the worker starts (its version,
/// the denoisers its build has, the frame formats it writes) and reported with every heartbeat.
/// A job asking for what a live worker's Blender lacks is refused at submit with the reason, and
/// the worker refuses such a task before starting Blender: no GPU hour goes to a render that
/// would ignore the setting or stop on it.
/// </summary>
public sealed record BlenderFeatures(string Version, IReadOnlyList<string> Denoisers, IReadOnlyList<string> Formats, IReadOnlyList<string>? Engines = null)
{
    /// <summary>The worker hash's fields (allowed in <see cref="WorkerField.Names"/>).</summary>
    public const string VersionField = "blender_version";
    public const string DenoisersField = "blender_denoisers";
    public const string FormatsField = "blender_formats";
    public const string EnginesField = "blender_engines";

    public IEnumerable<WorkerField> Fields() =>
    [
        new(VersionField, Version), new(DenoisersField, string.Join(',', Denoisers)), new(FormatsField, string.Join(',', Formats)),
        new(EnginesField, string.Join(',', Engines ?? [])),
    ];

    /// <summary>Read back from a worker's fields; null for a worker that never reported them (an older agent).</summary>
    public static BlenderFeatures? FromFields(Func<string, string> field) =>
        field(VersionField) is { Length: > 0 } version
            ? new BlenderFeatures(version, Split(field(DenoisersField)), Split(field(FormatsField)), field(EnginesField) is { Length: > 0 } engines ? Split(engines) : null)
            : null;

    /// <summary>Why this Blender cannot render <paramref name="job"/> as asked, naming <paramref name="who"/> (e.g. "worker gpu-node-1"); null when it can.</summary>
    public string? Problem(JobSpec job, string who)
    {
        if (job.Denoiser is { } denoiser && !Denoisers.Contains(denoiser))
        {
            var offered = Denoisers.Where(d => d != Jobs.Denoisers.None).ToArray();
            var why = denoiser == Jobs.Denoisers.Optix
                ? "OptiX denoising needs an NVIDIA card that OptiX sees and a Blender built with OptiX"
                : "that build of Blender was compiled without OpenImageDenoise";
            return $"denoiser {denoiser}: {who}'s Blender {Version} does not offer it ({why}); it offers {(offered.Length == 0 ? "no denoiser" : string.Join(", ", offered))}: choose one of those or none";
        }

        if (job.Engine is { } engine && engine != Jobs.Engines.Cycles && EngineId(engine) is null)
        {
            return Engines is null
                ? $"engine {engine}: {who} did not report which engines its Blender {Version} has (an older agent): update it, or render with CYCLES"
                : $"engine {engine}: {who}'s Blender {Version} has none of its ids ({string.Join(", ", Jobs.Engines.BlenderIds(engine))}); it has {string.Join(", ", Engines)}";
        }

        if (job.Format is { } format && !Formats.Contains(format))
        {
            return $"format {format}: {who}'s Blender {Version} cannot write it (it writes {string.Join(", ", Formats)})";
        }

        return null;
    }

    /// <summary>The id this Blender takes for <paramref name="engine"/> (CYCLES always), or null when it has none of them.</summary>
    public string? EngineId(string engine) =>
        engine == Jobs.Engines.Cycles ? "CYCLES" : Jobs.Engines.BlenderIds(engine).FirstOrDefault(id => Engines?.Contains(id) == true);

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
