namespace Provisioner.Farm.Jobs;

/// <summary>
/// The frame formats a job may ask for, by Blender's own names (<c>-F</c>), and the extension
/// Blender gives each file with <c>-x 1</c>. Only these three are taken: each is checked to
/// decode before a task counts as done (PNG, JPEG: whole image; OpenEXR: header, size and chunks).
/// </summary>
public static class FrameFormats
{
    public const string Png = "PNG";
    public const string OpenExr = "OPEN_EXR";
    public const string Jpeg = "JPEG";

    public static readonly IReadOnlyList<string> Names = [Png, OpenExr, Jpeg];

    /// <summary>The file extension Blender writes for <paramref name="format"/> (null: PNG, the default).</summary>
    public static string Extension(string? format) => format switch
    {
        null or Png => ".png",
        OpenExr => ".exr",
        Jpeg => ".jpg",
        _ => throw new ArgumentException($"unknown frame format '{format}'", nameof(format)),
    };

    /// <summary>The media type a browser can show, or null for a format it cannot (OpenEXR).</summary>
    public static string? MediaType(string? format) => format switch
    {
        null or Png => "image/png",
        Jpeg => "image/jpeg",
        _ => null,
    };
}

/// <summary>
/// Cycles' denoisers as a job names them: <c>none</c> turns denoising off, the other two are
/// Blender's <c>OPENIMAGEDENOISE</c> and <c>OPTIX</c>, each only where the worker's Blender was
/// built with it (Debian's Blender 3.4 has no OpenImageDenoise) and, for OptiX, has the card.
/// </summary>
public static class Denoisers
{
    public const string OpenImageDenoise = "openimagedenoise";
    public const string Optix = "optix";
    public const string None = "none";

    public static readonly IReadOnlyList<string> Names = [OpenImageDenoise, Optix, None];

    /// <summary>Cycles' enum value for a denoiser that is on.</summary>
    public static string BlenderName(string denoiser) => denoiser.ToUpperInvariant();
}

/// <summary>A resolution as typed on `farm submit --resolution` and in the API's <c>resolution</c>: WIDTHxHEIGHT.</summary>
public static class Resolution
{
    /// <summary>(width, height), or null with the reason (the bounds are JobValidation's).</summary>
    public static (int Width, int Height)? TryParse(string text, out string error)
    {
        error = "";
        var parts = text.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var width)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var height))
        {
            return (width, height);
        }

        error = $"resolution {JobValidation.Quote(text)} must be WIDTHxHEIGHT in pixels, e.g. 1920x1080";
        return null;
    }
}

/// <summary>
/// Render engines as a job names them, and the ids Blender knows them by. The id of EEVEE changed
/// with EEVEE Next (BLENDER_EEVEE_NEXT in 4.2) and back to BLENDER_EEVEE later: rather than a table of
/// versions, each worker asks its own Blender which of these ids it takes (<see cref="BlenderFeatures"/>).
/// EEVEE and Workbench draw with OpenGL: a worker checks which OpenGL it gets before such a task.
/// </summary>
public static class Engines
{
    public const string Cycles = "CYCLES";
    public const string Eevee = "EEVEE";
    public const string Workbench = "WORKBENCH";

    public static readonly IReadOnlyList<string> Names = [Cycles, Eevee, Workbench];

    /// <summary>Blender's ids for <paramref name="engine"/>, newest first: the first the worker's Blender takes is used.</summary>
    public static IReadOnlyList<string> BlenderIds(string engine) => engine switch
    {
        Cycles => ["CYCLES"],
        Eevee => ["BLENDER_EEVEE_NEXT", "BLENDER_EEVEE"],
        Workbench => ["BLENDER_WORKBENCH"],
        _ => throw new ArgumentException($"unknown engine '{engine}'", nameof(engine)),
    };

    /// <summary>Every id the probe tries.</summary>
    public static IReadOnlyList<string> AllBlenderIds { get; } = [.. Names.SelectMany(BlenderIds)];

    /// <summary>Whether the engine renders through OpenGL (so the worker must have a GL context, and for a GPU job the GPU's).</summary>
    public static bool NeedsGl(string? engine) => engine is Eevee or Workbench;
}
