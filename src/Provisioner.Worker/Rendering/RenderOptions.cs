using System.Globalization;
using Provisioner.Farm.Jobs;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// A job's render settings as Blender takes them: the frame format through <c>-F</c>, the rest as
/// Python statements on the scene run before the first frame (Blender has no command-line flag for
/// them). Every value is typed and formatted here: nothing from the job reaches Python as text.
/// </summary>
public sealed record RenderOptions(
    double? NoiseThreshold = null,
    string? Denoiser = null,
    string? Format = null,
    int? ResolutionX = null,
    int? ResolutionY = null,
    int? Percentage = null,
    bool? PersistentData = null)
{
    public static readonly RenderOptions SceneDefaults = new();

    public static RenderOptions From(JobSpec job) =>
        new(job.NoiseThreshold, job.Denoiser, job.Format, job.ResolutionX, job.ResolutionY, job.Percentage, job.PersistentData);

    /// <summary>
    /// The sample count on the engine that renders: Cycles' samples, or EEVEE's render samples
    /// (Workbench has none: refused at submit). An int formatted by us: no job text reaches Python.
    /// </summary>
    public static string SamplesStatement(string engineId, int samples) =>
        "import bpy; bpy.context.scene." + (engineId.StartsWith("BLENDER_EEVEE", StringComparison.Ordinal) ? "eevee.taa_render_samples" : "cycles.samples")
        + " = " + samples.ToString(CultureInfo.InvariantCulture);

    /// <summary>Blender's -F value.</summary>
    public string BlenderFormat => Format ?? FrameFormats.Png;

    /// <summary>The statements that apply the settings to the scene ('s'), in a fixed order; empty when the job sets none.</summary>
    public IReadOnlyList<string> Statements()
    {
        var i = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        if (NoiseThreshold is { } threshold)
        {
            // "R": the double's shortest round-trip text (1E-05 is a Python float literal too).
            lines.Add("s.cycles.use_adaptive_sampling = True");
            lines.Add("s.cycles.adaptive_threshold = " + threshold.ToString("R", i));
        }

        if (Denoiser is { } denoiser)
        {
            lines.Add("s.cycles.use_denoising = " + (denoiser == Denoisers.None ? "False" : "True"));
            if (denoiser != Denoisers.None)
            {
                lines.Add($"s.cycles.denoiser = '{Denoisers.BlenderName(denoiser)}'");
            }
        }

        if (ResolutionX is { } x && ResolutionY is { } y)
        {
            lines.Add("s.render.resolution_x = " + x.ToString(i));
            lines.Add("s.render.resolution_y = " + y.ToString(i));
        }

        if (Percentage is { } percentage)
        {
            lines.Add("s.render.resolution_percentage = " + percentage.ToString(i));
        }

        if (PersistentData is { } persistent)
        {
            lines.Add("s.render.use_persistent_data = " + (persistent ? "True" : "False"));
        }

        return lines;
    }
}
