using System.Text.RegularExpressions;
using Provisioner.Farm.Frames;

namespace Provisioner.Farm.Jobs;

/// <summary>What makes a job acceptable: checked at submit and again when a seed client's job is taken in.</summary>
public static partial class JobValidation
{
    public static IReadOnlyList<string> Devices => RenderDevices.All;

    /// <summary>A job id names Redis keys and output folders: letters, digits, '.', '_', '-', at most 64, not starting with '.'.</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>The first problem with <paramref name="spec"/>, or null when it is fine.</summary>
    public static string? Problem(JobSpec spec)
    {
        if (!IsValidId(spec.Id))
        {
            return $"job id {Quote(spec.Id)} may only hold letters, digits, '.', '_' and '-' (at most 64, not starting with '.')";
        }

        if (FrameList.TryParse(spec.Frames, out var framesError) is null)
        {
            return "frames: " + framesError;
        }

        if (spec.Src is null ? spec.Generate is null : !IsSource(spec.Src))
        {
            return spec.Src is null
                ? "src: the scene is missing: a .blend path the workers see on the shared storage, or an http(s) URL"
                : $"src {Quote(spec.Src)} must be an absolute path the workers can read (no '..', no control characters) or an http(s) URL";
        }

        if (spec.Generate is { } generate)
        {
            if (generate.Problem() is { } generation)
            {
                return generation;
            }

            if (spec.Format is not null)
            {
                return "format: a generation job's script writes its own files (declare them with expect); format is for render jobs";
            }

            // The items are the frames: a client's own "frames" could make a task without a batch of its own.
            if (spec.Frames != generate.Items)
            {
                return $"frames of a generation job are its items, {generate.Items} (count {generate.Count}), not {Quote(spec.Frames)}";
            }
        }

        if (!IsCleanAbsolutePath(spec.Output))
        {
            return $"output {Quote(spec.Output)} must be an absolute path with no '.' or '..' segments and no control characters (a directory, or a pattern with '#' for the frame number)";
        }

        if (!Enum.IsDefined(spec.Priority))
        {
            return "priority must be high, normal or low";
        }

        if (!IsValidId(spec.Pool))
        {
            return $"pool {Quote(spec.Pool)} may only hold letters, digits, '.', '_' and '-' (at most 64, not starting with '.')";
        }

        if (spec.Device is not null && !Devices.Contains(spec.Device))
        {
            return $"device '{spec.Device}' must be one of {string.Join(", ", Devices)}";
        }

        if (spec.Samples is < 1 or > 1_000_000)
        {
            return $"samples {spec.Samples} must be between 1 and 1000000";
        }

        if (SettingsProblem(spec) is { } settings)
        {
            return settings;
        }

        if (ArgumentsProblem(spec) is { } arguments)
        {
            return arguments;
        }

        if (spec.Sha256 is not null && !Sha256Pattern().IsMatch(spec.Sha256))
        {
            return "sha256 must be the 64 lowercase hex digits that sha256sum prints";
        }

        if (spec.MaxAttempts is < 1 or > 100)
        {
            return $"max_attempts {spec.MaxAttempts} must be between 1 and 100";
        }

        return spec.TaskTimeoutSeconds is < 10 or > 7 * 24 * 3600
            ? $"task_timeout_seconds {spec.TaskTimeoutSeconds} must be between 10 and 604800"
            : null;
    }

    /// <summary>The Blender arguments in the seed's extra (<see cref="BlenderArguments"/>): a render job's only.</summary>
    private static string? ArgumentsProblem(JobSpec spec)
    {
        var (arguments, problem) = BlenderArguments.Read(spec.Extra, cycles: (spec.Engine ?? Engines.Cycles) == Engines.Cycles);
        return problem ?? (spec.Generate is not null && !arguments!.IsEmpty
            ? "extra: a generation job's script sets up its own render; Blender arguments are for render jobs"
            : null);
    }

    /// <summary>The render settings' own bounds (what a worker's Blender offers is checked against its features, see BlenderFeatures).</summary>
    private static string? SettingsProblem(JobSpec spec)
    {
        if (spec.Engine is not null && !Engines.Names.Contains(spec.Engine))
        {
            return $"engine {Quote(spec.Engine)} must be one of {string.Join(", ", Engines.Names)}";
        }

        if (spec.Engine is Engines.Eevee or Engines.Workbench && CyclesOnly(spec) is { } cycles)
        {
            return $"{cycles} is a Cycles setting: engine {spec.Engine} has none (leave it out, or render with CYCLES)";
        }

        if (spec.Engine == Engines.Workbench && spec.Samples is not null)
        {
            return "samples: Workbench has no sample count (its anti-aliasing is the scene's display.render_aa): leave it out";
        }

        if (spec.NoiseThreshold is { } threshold && (!double.IsFinite(threshold) || threshold is <= 0 or > 1))
        {
            return $"noise_threshold {threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be above 0 and at most 1 (Cycles' adaptive sampling; 0.01 is its default)";
        }

        if (spec.Denoiser is not null && !Denoisers.Names.Contains(spec.Denoiser))
        {
            return $"denoiser {Quote(spec.Denoiser)} must be one of {string.Join(", ", Denoisers.Names)}";
        }

        if (spec.Format is not null && !FrameFormats.Names.Contains(spec.Format))
        {
            return $"format {Quote(spec.Format)} must be one of {string.Join(", ", FrameFormats.Names)}";
        }

        if ((spec.ResolutionX is null) != (spec.ResolutionY is null))
        {
            return "resolution needs both a width and a height (e.g. 1920x1080)";
        }

        if (spec.ResolutionX is < 4 or > 65536 || spec.ResolutionY is < 4 or > 65536)
        {
            return $"resolution {spec.ResolutionX}x{spec.ResolutionY} must be from 4 to 65536 pixels each way (Blender's bounds)";
        }

        return spec.Percentage is < 1 or > 1000 ? $"percentage {spec.Percentage} must be from 1 to 1000" : null;
    }

    private static string? CyclesOnly(JobSpec spec) =>
        spec.NoiseThreshold is not null ? "noise_threshold"
        : spec.Denoiser is not null ? "denoiser"
        : spec.PersistentData is not null ? "persistent_data"
        : null;

    // A value a message may echo: printable ASCII and short, else only its length (a seed client's
    // job may carry ESC or newlines meant for a terminal or a log).
    public static string Quote(string value) =>
        value.Length <= 120 && value.All(c => c is >= ' ' and <= '~') ? $"'{value}'" : $"({value.Length} characters, not shown: they hold control or non-ASCII characters, or are too long)";

    private static bool IsSource(string src) =>
        (Uri.TryCreate(src, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !src.Any(char.IsControl) && uri.UserInfo.Length == 0)
        || IsCleanAbsolutePath(src);

    /// <summary>
    /// An absolute path as it stands, normalised: a seed client's /mnt/renders/../../etc/cron.d
    /// would leave the share it names, and a control character would reach logs and terminals.
    /// </summary>
    public static bool IsCleanAbsolutePath(string path)
    {
        if (!path.StartsWith('/') || path.Any(char.IsControl))
        {
            return false;
        }

        // Segments after the leading '/': none is '.' or '..', and only the last may be empty (a trailing '/').
        var segments = path.Split('/')[1..];
        return segments.All(segment => segment is not ("." or "..")) && segments[..^1].All(segment => segment.Length > 0);
    }

    /// <summary>
    /// Where a job may read its scene from and write its frames to, on the worker that runs it: the
    /// roots it was given (the work disk, the share). Null when the job stays inside them. A seed
    /// client's clean but foreign /etc/cron.d is refused here, not by the path's shape.
    /// </summary>
    public static string? OutsideRoots(JobSpec spec, IReadOnlyList<string> roots)
    {
        var allowed = roots.Count == 0 ? "(none)" : string.Join(", ", roots);
        if (spec.Src is { } src && src.StartsWith('/') && !IsUnder(src, roots))
        {
            return $"src {Quote(src)} is outside the directories this worker may read (PROVISION_ALLOWED_ROOTS: {allowed}); put the scene on the share or give an http(s) URL";
        }

        if (spec.Generate is { } generate && !IsUnder(generate.Script, roots))
        {
            return $"script {Quote(generate.Script)} is outside the directories this worker may read (PROVISION_ALLOWED_ROOTS: {allowed}); put the script on the share";
        }

        return IsUnder(spec.Output, roots)
            ? null
            : $"output {Quote(spec.Output)} is outside the directories this worker may write (PROVISION_ALLOWED_ROOTS: {allowed}); write to the share";
    }

    /// <summary>A root itself, or anything below it; never a sibling that only shares its prefix (/srv/work2 is not under /srv/work).</summary>
    private static bool IsUnder(string path, IReadOnlyList<string> roots) =>
        IsCleanAbsolutePath(path) && roots.Any(root =>
        {
            var trimmed = root.TrimEnd('/');
            return trimmed.Length == 0 || path == trimmed || path.StartsWith(trimmed + "/", StringComparison.Ordinal);
        });

    [GeneratedRegex("\\A[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex("\\A[0-9a-f]{64}\\z")]
    private static partial Regex Sha256Pattern();
}
