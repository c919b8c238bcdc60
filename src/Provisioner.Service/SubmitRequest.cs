using System.Text.Json;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;

namespace Provisioner.Service;

/// <summary>
/// A job as a client posts it. The seed's clients send <c>{src, frames, samples, device, output,
/// extra, blend}</c>; the REST API also takes the rest of what `provision farm submit` can say.
/// Every check is the CLI's, with its words, so both refuse the same jobs the same way.
/// </summary>
public sealed record SubmitRequest(
    string? Id,
    string? Src,
    string? Frames,
    int? Samples,
    string? Device,
    string? Output,
    JsonElement? Extra,
    string? Blend,
    string? Sha256,
    string? Priority,
    string? Pool,
    int? MaxAttempts,
    int? TaskTimeoutSeconds,
    int? Chunk,
    double? NoiseThreshold = null,
    string? Denoiser = null,
    string? Format = null,
    string? Resolution = null,
    int? Percentage = null,
    bool? PersistentData = null,
    GenerateRequest? Generate = null,
    string? Engine = null)
{
    /// <summary>The job and its tasks, or what is wrong with the request (naming the field); a generation job's tasks are sized for <paramref name="liveWorkers"/>.</summary>
    public (JobSpec? Spec, IReadOnlyList<FrameList> Tasks, string? Error) ToJob(DateTimeOffset now, int liveWorkers = 1)
    {
        GenerationSpec? generation = null;
        if (Generate is { } asked)
        {
            if (Frames is not null || Chunk is not null)
            {
                return Refuse("frames and chunk are for render jobs: a generation job makes generate.count items, generate.per_task per task");
            }

            if (string.IsNullOrWhiteSpace(asked.Script))
            {
                return Refuse("generate.script: the script is missing: an absolute .py path the workers see on the shared storage");
            }

            generation = GenerationRequest.TryCreate(asked.Script, asked.Count, asked.PerTask, asked.Seed, asked.Expect ?? [], asked.Blenderproc ?? false, liveWorkers, out var generationError);
            if (generation is null)
            {
                return Refuse("generate: " + generationError);
            }
        }
        else if (string.IsNullOrWhiteSpace(Src))
        {
            return Refuse("src: the scene is missing: a .blend path the workers see on the shared storage, or an http(s) URL");
        }

        var frames = FrameList.TryParse(generation?.Items ?? Frames, out var framesError);
        if (frames is null)
        {
            return Refuse("frames: " + framesError);
        }

        if (Blend is not null)
        {
            return Refuse("blend: scenes packed in a .zip are not taken yet: submit the .blend itself as src");
        }

        if (Chunk is < 1 or > 1_000_000)
        {
            return Refuse($"chunk must be from 1 to 1000000 frames per task (got {Chunk})");
        }

        Farm.Jobs.Priority? priority = Priority is null ? Farm.Jobs.Priority.Normal
            : Enum.GetValues<Farm.Jobs.Priority>().Where(p => p.ToString().Equals(Priority, StringComparison.OrdinalIgnoreCase)).Select(p => (Farm.Jobs.Priority?)p).FirstOrDefault();
        if (priority is null)
        {
            return Refuse($"priority '{Priority}' is not one of high, normal, low");
        }

        (int Width, int Height)? size = null;
        if (Resolution is not null && (size = Farm.Jobs.Resolution.TryParse(Resolution, out var resolutionError)) is null)
        {
            return Refuse(resolutionError);
        }

        var named = string.IsNullOrWhiteSpace(Src) ? generation!.Script : Src;
        var id = Id ?? JobDefaults.Id(named, now);
        var spec = new JobSpec
        {
            Id = id,
            Src = string.IsNullOrWhiteSpace(Src) ? null : Src,
            Generate = generation,
            Sha256 = Sha256,
            Frames = frames.ToString(),
            Output = Output ?? JobDefaults.Output(named, id) ?? "",
            Samples = Samples,
            Device = Device?.ToUpperInvariant(),
            Engine = Engine?.ToUpperInvariant(),
            Extra = Extra,
            Priority = priority.Value,
            Pool = Pool ?? JobSpec.DefaultPool,
            MaxAttempts = MaxAttempts ?? 3,
            TaskTimeoutSeconds = TaskTimeoutSeconds ?? 3600,
            NoiseThreshold = NoiseThreshold,
            Denoiser = Denoiser?.ToLowerInvariant(),
            Format = Format?.ToUpperInvariant(),
            ResolutionX = size?.Width,
            ResolutionY = size?.Height,
            Percentage = Percentage,
            PersistentData = PersistentData,
        };
        if (spec.Output.Length == 0)
        {
            return Refuse("output: a scene given as a URL needs an output: an absolute directory the workers can write (shared storage)");
        }

        return JobValidation.Problem(spec) is { } problem ? Refuse(problem) : (spec, frames.Chunk(generation?.PerTask ?? Chunk ?? ChunkSizing.DefaultChunk), null);
    }

    private static (JobSpec?, IReadOnlyList<FrameList>, string?) Refuse(string error) => (null, [], error);
}

/// <summary>The API's <c>generate</c> object: a dataset-generation job (see `farm submit --generate`).</summary>
public sealed record GenerateRequest(string? Script, int? Count, int? PerTask, int? Seed, IReadOnlyList<string>? Expect, bool? Blenderproc);
