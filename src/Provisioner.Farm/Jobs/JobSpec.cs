using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provisioner.Farm.Jobs;

/// <summary>
/// One render job as it is stored in Redis (<c>job:{id}</c> field <c>spec</c>) and as the seed's
/// clients push it onto <c>queue:blender</c>: the seed's fields <c>id, src, frames, samples,
/// device, output, extra</c> keep their names and meaning; the rest are ours and optional, so a
/// seed job is a valid <see cref="JobSpec"/>.
/// </summary>
public sealed record JobSpec
{
    /// <summary>Job id: letters, digits, '.', '_' and '-' (it names Redis keys and output folders).</summary>
    public required string Id { get; init; }

    /// <summary>
    /// The .blend: an absolute path the workers can read (shared storage) or an http(s) URL.
    /// Required for a render job; a generation job may run its script on Blender's empty scene.
    /// </summary>
    public string? Src { get; init; }

    /// <summary>Set for a dataset-generation job (its frames are then its items 0 … count−1); null for a render job.</summary>
    public GenerationSpec? Generate { get; init; }

    /// <summary>Frames as typed: <c>1-240</c>, <c>1,5,9</c> or a mix (see <see cref="Frames.FrameList"/>); a generation job's items, <c>0-(count-1)</c>.</summary>
    public required string Frames { get; init; }

    /// <summary>Cycles samples; null keeps the scene's own setting.</summary>
    public int? Samples { get; init; }

    /// <summary>Adaptive sampling's noise threshold (Cycles), above 0 and at most 1; null keeps the scene's setting.</summary>
    public double? NoiseThreshold { get; init; }

    /// <summary>openimagedenoise, optix or none (<see cref="Denoisers"/>); null keeps the scene's setting.</summary>
    public string? Denoiser { get; init; }

    /// <summary>PNG, OPEN_EXR or JPEG (<see cref="FrameFormats"/>); null is PNG.</summary>
    public string? Format { get; init; }

    /// <summary>Width and height in pixels, both or neither; null keeps the scene's.</summary>
    public int? ResolutionX { get; init; }

    public int? ResolutionY { get; init; }

    /// <summary>Percentage of the resolution rendered (1 to 1000); null keeps the scene's.</summary>
    public int? Percentage { get; init; }

    /// <summary>Keep the scene's data in memory between the frames of a task (Cycles' persistent data); null keeps the scene's.</summary>
    public bool? PersistentData { get; init; }

    /// <summary>CYCLES, EEVEE or WORKBENCH (<see cref="Engines"/>); null is Cycles.</summary>
    public string? Engine { get; init; }

    /// <summary>OPTIX, CUDA or CPU; null uses the worker's configured device.</summary>
    public string? Device { get; init; }

    /// <summary>Where the frames go: a directory (frames named frame_####.png) or a pattern with '#'s.</summary>
    public required string Output { get; init; }

    /// <summary>
    /// The seed's extras: a list of Blender arguments honoured from an allow-list (<see cref="BlenderArguments"/>),
    /// or an object of the client's own fields, kept and shown. Never passed to a shell.
    /// </summary>
    public JsonElement? Extra { get; init; }

    /// <summary>sha256 of the .blend: the worker caches it under this name and refuses other content.</summary>
    public string? Sha256 { get; init; }

    public Priority Priority { get; init; } = Priority.Normal;

    /// <summary>
    /// Who the job is for (a project, a client): idle workers take from the pools of a priority in
    /// turn, so one huge job cannot starve the others. The seed's clients' jobs go to <see cref="DefaultPool"/>.
    /// </summary>
    public string Pool { get; init; } = DefaultPool;

    public const string DefaultPool = "default";

    /// <summary>Attempts per task before the task, and with it the job, fails.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>A task running longer than this is stopped and counts as a failed attempt.</summary>
    public int TaskTimeoutSeconds { get; init; } = 3600;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Names only: a number ("priority": 7) would name a queue no worker reads.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a job's JSON (ours or the seed's); null with the reason when it is not a usable job.</summary>
    public static JobSpec? TryParse(string json, out string error)
    {
        error = "";
        try
        {
            var spec = JsonSerializer.Deserialize<JobSpec>(json, Json);
            if (spec is null)
            {
                error = "the job is JSON null";
                return null;
            }

            error = JobValidation.Problem(spec) ?? "";
            return error.Length == 0 ? spec : null;
        }
        catch (JsonException e)
        {
            error = "not a job: " + e.Message;
            return null;
        }
    }
}

/// <summary>Task queues, taken in this order: a high-priority task is always taken before a normal one.</summary>
public enum Priority
{
    High,
    Normal,
    Low,
}
