using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>
/// `provision farm submit SCENE --frames 1-240`: one job, split into tasks of a few frames that
/// every worker VM takes from the queue. The scene's sha256 goes with the job, so a worker renders
/// exactly what was submitted (and caches it by that hash).
/// </summary>
internal static class FarmSubmitCommand
{
    public static Command Create(CliIo io)
    {
        var scene = new Argument<string?>("scene")
        {
            Description = "The .blend: a path the workers see at the same place (shared storage) or an http(s) URL. Optional with --generate.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var frames = new Option<string?>("--frames", "-f") { Description = "Frames: 1-240, 1,5,9 or a mix (1-10,20). Required for a render job." };
        var generateOption = new Option<string?>("--generate") { Description = "A dataset-generation job: this Python script runs as `blender -b [SCENE] --python SCRIPT -- --seed S --count N --output DIR` once per task." };
        var count = CommonOptions.InRange(new Option<int?>("--count") { Description = "Items a generation job makes (with --generate)." }, 1, GenerationSpec.MaxCount);
        var perTask = CommonOptions.InRange(new Option<int?>("--per-task") { Description = "Items per task, each task one batch_NNNN folder (default: whole rounds over the live workers, at most 100)." }, 1, GenerationSpec.MaxCount);
        var seed = CommonOptions.InRange(new Option<int?>("--seed") { Description = "Base seed of a generation job: item i is made with seed + i (default 0)." }, 0, int.MaxValue);
        var expect = new Option<string[]>("--expect")
        {
            Description = "What each item leaves in its batch folder: a file pattern, optionally with a count per item ('rgb_*.png', 'depth_*.exr:2'); repeat for several. Each must exist and decode.",
            AllowMultipleArgumentsPerToken = false,
        };
        var blenderproc = new Option<bool>("--blenderproc") { Description = "Run the script with `blenderproc run` (worker.blenderproc) on the worker's own Blender." };
        var id = new Option<string?>("--id") { Description = "Job id (default: the scene's name and the time)." };
        var output = new Option<string?>("--output", "-o") { Description = "Absolute directory for the frames (or a pattern with '#'); default: NAME-ID beside the scene." };
        var chunk = CommonOptions.InRange(new Option<int?>("--chunk") { Description = "Frames per task. Default: sized toward --task-seconds from this scene's measured frame time." }, 1, 1_000_000);
        var taskSeconds = new Option<double>("--task-seconds") { Description = "Target runtime of one task when --chunk is not given.", DefaultValueFactory = _ => 60 };
        var samples = CommonOptions.InRange(new Option<int?>("--samples") { Description = "Cycles samples (default: the scene's)." }, 1, 1_000_000);
        var device = new Option<string?>("--device") { Description = "OPTIX, CUDA, CPU or OPTIX,CUDA (OptiX, else CUDA on the same card, never the CPU; default: each worker's configured device)." };
        var engine = new Option<string?>("--engine") { Description = "CYCLES (default), EEVEE or WORKBENCH; EEVEE and Workbench need the GPU's OpenGL on a GPU job (a software renderer is refused)." };
        engine.CompletionSources.Add([.. Engines.Names]);
        var noiseThreshold = new Option<double?>("--noise-threshold") { Description = "Adaptive sampling's noise threshold, above 0 and at most 1 (default: the scene's)." };
        var denoiser = new Option<string?>("--denoiser") { Description = "openimagedenoise, optix or none (default: the scene's); refused if a live worker's Blender lacks it." };
        denoiser.CompletionSources.Add([.. Denoisers.Names]);
        var format = new Option<string?>("--format") { Description = "Frame format: PNG (default), OPEN_EXR or JPEG; each frame is checked to be whole." };
        format.CompletionSources.Add([.. FrameFormats.Names]);
        var resolution = new Option<string?>("--resolution") { Description = "WIDTHxHEIGHT in pixels, e.g. 1920x1080 (default: the scene's)." };
        var percentage = CommonOptions.InRange(new Option<int?>("--percentage") { Description = "Percentage of the resolution rendered (default: the scene's)." }, 1, 1000);
        var persistentData = new Option<bool?>("--persistent-data") { Description = "true or false: keep the scene in memory between a task's frames (default: the scene's)." };
        var priority = new Option<Priority>("--priority")
        {
            Description = "high, normal or low: higher queues are always taken first.",
            DefaultValueFactory = _ => Priority.Normal,
            // The names only: Enum.Parse would take "7" too, a queue no worker reads.
            CustomParser = result => Enum.GetValues<Priority>().Where(p => p.ToString().Equals(result.Tokens.Single().Value, StringComparison.OrdinalIgnoreCase))
                .Select(p => (Priority?)p).FirstOrDefault() ?? Refused(result),
        };
        // Completion offers the names as users type them (the enum's own would be High, Low, Normal).
        priority.CompletionSources.Clear();
        priority.CompletionSources.Add("high", "normal", "low");
        var pool = new Option<string>("--pool")
        {
            Description = "Who the job is for (a project or client): within a priority, idle workers take from the pools in turn, so one huge job cannot starve the others.",
            DefaultValueFactory = _ => JobSpec.DefaultPool,
        };
        var maxAttempts = CommonOptions.InRange(new Option<int>("--max-attempts") { Description = "Attempts per task before the job fails.", DefaultValueFactory = _ => 3 }, 1, 100);
        var timeout = CommonOptions.InRange(new Option<int>("--task-timeout") { Description = "Seconds one task may run before it is stopped (a failed attempt).", DefaultValueFactory = _ => 3600 }, 10, 7 * 24 * 3600);
        var sha256 = new Option<string?>("--sha256") { Description = "For a URL scene: its sha256 (workers refuse other content)." };
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var command = new Command("submit", "Submit a Blender job: its frames are split into tasks that the worker VMs render in parallel.")
        {
            scene, frames, generateOption, count, perTask, seed, expect, blenderproc, id, output, chunk, taskSeconds, samples, device, engine, noiseThreshold, denoiser, format, resolution, percentage, persistentData,
            priority, pool, maxAttempts, timeout, sha256, inventory, queue,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var script = parse.GetValue(generateOption);
            var generating = script is not null;
            if (!generating && GenerationOnly(parse, [count, perTask, seed], expect, blenderproc) is { } stray)
            {
                io.Error.WriteLine($"error: {stray} is for generation jobs: add --generate SCRIPT.py");
                return ExitCodes.Error;
            }

            FrameList? frameList = null;
            if (generating)
            {
                if (parse.GetValue(frames) is not null)
                {
                    io.Error.WriteLine("error: --frames is for render jobs: a generation job makes --count items (its tasks' items are numbered 0 to count-1)");
                    return ExitCodes.Error;
                }

                if (parse.GetValue(chunk) is not null)
                {
                    io.Error.WriteLine("error: --chunk is for render jobs: a generation job's task size is --per-task");
                    return ExitCodes.Error;
                }
            }
            else if (parse.GetValue(scene) is null)
            {
                io.Error.WriteLine("error: a render job needs its scene: provision farm submit SCENE.blend --frames 1-240 (or --generate SCRIPT.py for a generation job)");
                return ExitCodes.Error;
            }
            else if ((frameList = FrameList.TryParse(parse.GetValue(frames), out var framesError)) is null)
            {
                io.Error.WriteLine("error: --frames: " + framesError);
                return ExitCodes.Error;
            }

            // Checked before anything connects: NaN, infinities and absurd targets are refused.
            if (parse.GetValue(taskSeconds) is var seconds && (!double.IsFinite(seconds) || seconds is < 1 or > 86_400))
            {
                io.Error.WriteLine("error: --task-seconds must be a number of seconds from 1 to 86400");
                return ExitCodes.Error;
            }

            (int Width, int Height)? size = null;
            if (parse.GetValue(resolution) is { } typed && (size = Resolution.TryParse(typed, out var resolutionError)) is null)
            {
                io.Error.WriteLine("error: --" + resolutionError);
                return ExitCodes.Error;
            }

            (string Src, string? Sha256)? source = null;
            if (parse.GetValue(scene) is { } sceneText && (source = Source(sceneText, parse.GetValue(sha256), io)) is null)
            {
                return ExitCodes.Error;
            }

            string? scriptPath = null;
            if (script is not null && (scriptPath = Script(script, io)) is null)
            {
                return ExitCodes.Error;
            }

            var named = source?.Src ?? scriptPath!;
            var jobId = parse.GetValue(id) ?? JobDefaults.Id(named, io.Time.GetUtcNow());
            var spec = new JobSpec
            {
                Id = jobId,
                Src = source?.Src,
                Sha256 = source?.Sha256,
                Frames = frameList?.ToString() ?? "",
                Output = parse.GetValue(output) ?? JobDefaults.Output(named, jobId) ?? "",
                Samples = parse.GetValue(samples),
                Device = parse.GetValue(device)?.ToUpperInvariant(),
                Engine = parse.GetValue(engine)?.ToUpperInvariant(),
                Priority = parse.GetValue(priority),
                Pool = parse.GetValue(pool)!,
                MaxAttempts = parse.GetValue(maxAttempts),
                TaskTimeoutSeconds = parse.GetValue(timeout),
                NoiseThreshold = parse.GetValue(noiseThreshold),
                Denoiser = parse.GetValue(denoiser)?.ToLowerInvariant(),
                Format = parse.GetValue(format)?.ToUpperInvariant(),
                ResolutionX = size?.Width,
                ResolutionY = size?.Height,
                Percentage = parse.GetValue(percentage),
                PersistentData = parse.GetValue(persistentData),
            };
            if (spec.Output.Length == 0)
            {
                io.Error.WriteLine("error: a scene given as a URL needs --output: an absolute directory the workers can write (shared storage)");
                return ExitCodes.Error;
            }

            // Checked offline first (task size aside), so a typo never waits for the queue.
            if (scriptPath is not null)
            {
                var generation = GenerationRequest.TryCreate(scriptPath, parse.GetValue(count), parse.GetValue(perTask), parse.GetValue(seed), parse.GetValue(expect) ?? [], parse.GetValue(blenderproc), 1, out var generationError);
                if (generation is null)
                {
                    io.Error.WriteLine("error: " + generationError);
                    return ExitCodes.Error;
                }

                spec = spec with { Generate = generation, Frames = generation.Items };
            }

            if (JobValidation.Problem(spec) is { } problem)
            {
                io.Error.WriteLine("error: " + problem);
                return ExitCodes.Error;
            }

            using var client = await FarmClient.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(queue), io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            // A denoiser or format a live worker's Blender lacks: refused now, not after a GPU hour.
            if (await JobFeasibility.ProblemAsync(spec, client.Reader, io.Time.GetUtcNow(), Provisioner.Farm.Queue.WorkerStatus.SilentAfter, cancellationToken).ConfigureAwait(false) is { } infeasible)
            {
                io.Error.WriteLine("error: " + infeasible);
                io.Error.WriteLine("  `provision farm workers` shows each worker's Blender");
                return ExitCodes.Error;
            }

            var (chunkSize, why) = spec.Generate is { } generate
                ? await PerTaskAsync(client, parse.GetValue(perTask), generate, io.Time, cancellationToken).ConfigureAwait(false)
                : await ChunkAsync(client, parse.GetValue(chunk), TimeSpan.FromSeconds(parse.GetValue(taskSeconds)), spec, frameList!.Count, io.Time, cancellationToken).ConfigureAwait(false);
            if (spec.Generate is { } sized)
            {
                spec = spec with { Generate = sized with { PerTask = chunkSize } };
            }

            var items = FrameList.Parse(spec.Frames);
            var tasks = items.Chunk(chunkSize);
            if (!await client.Queue.SubmitAsync(spec, tasks, cancellationToken).ConfigureAwait(false))
            {
                io.Error.WriteLine($"error: a job '{jobId}' exists already: pick another --id (or `provision farm retry {jobId}`)");
                return ExitCodes.Error;
            }

            io.Out.WriteLine(spec.Generate is { } made
                ? $"submitted {jobId}: {made.Count} items from seed {made.Seed} in {tasks.Count} tasks of up to {chunkSize} items ({why}), priority {spec.Priority.ToString().ToLowerInvariant()}"
                : $"submitted {jobId}: {items.Count} frames ({spec.Frames}) in {tasks.Count} tasks of up to {chunkSize} frames ({why}), priority {spec.Priority.ToString().ToLowerInvariant()}");
            io.Out.WriteLine($"  output: {spec.Output}");
            io.Out.WriteLine($"  follow it: provision farm status {jobId}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static (string Src, string? Sha256)? Source(string scene, string? sha256, CliIo io)
    {
        if (Uri.TryCreate(scene, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return (scene, sha256?.ToLowerInvariant());
        }

        var path = Path.GetFullPath(scene);
        if (!File.Exists(path))
        {
            io.Error.WriteLine($"error: scene {path} does not exist");
            return null;
        }

        using var stream = File.OpenRead(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (sha256 is not null && !string.Equals(sha256, actual, StringComparison.OrdinalIgnoreCase))
        {
            io.Error.WriteLine($"error: {path} has sha256 {actual}, not the --sha256 given");
            return null;
        }

        return (path, actual);
    }

    /// <summary>The generation option given without --generate, or null.</summary>
    private static string? GenerationOnly(System.CommandLine.ParseResult parse, Option<int?>[] numbers, Option<string[]> expect, Option<bool> blenderproc) =>
        numbers.FirstOrDefault(o => parse.GetValue(o) is not null)?.Name
        ?? (parse.GetValue(expect) is { Length: > 0 } ? expect.Name : parse.GetValue(blenderproc) ? blenderproc.Name : null);

    private static string? Script(string script, CliIo io)
    {
        var path = Path.GetFullPath(script);
        if (!File.Exists(path))
        {
            io.Error.WriteLine($"error: --generate: script {path} does not exist");
            return null;
        }

        return path;
    }

    private static async Task<(int Size, string Why)> PerTaskAsync(FarmClient client, int? fixedSize, GenerationSpec generation, TimeProvider time, CancellationToken cancellationToken)
    {
        if (fixedSize is { } size)
        {
            return (size, "--per-task");
        }

        var live = await client.Reader.LiveWorkersAsync(time.GetUtcNow(), TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        return (ChunkSizing.ForItems(generation.Count, live), $"whole rounds over {live} live worker(s)");
    }

    private static async Task<(int Size, string Why)> ChunkAsync(FarmClient client, int? fixedSize, TimeSpan target, JobSpec spec, int frames, TimeProvider time, CancellationToken cancellationToken)
    {
        if (fixedSize is { } size)
        {
            return (size, "--chunk");
        }

        var perFrame = spec.Sha256 is null ? null : await client.Queue.SecondsPerFrameAsync(spec.Sha256, cancellationToken).ConfigureAwait(false);
        var live = await client.Reader.LiveWorkersAsync(time.GetUtcNow(), TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        var chosen = ChunkSizing.ForTarget(target, perFrame, frames, live);
        var measured = perFrame is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"{s:0.###} s/frame measured on this scene, target {target.TotalSeconds:0} s per task")
            : "no frame time measured for this scene yet";
        return (chosen, $"{measured}; {live} live worker(s)");
    }

    private static Priority Refused(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--priority must be high, normal or low, not '{Core.Text.Printable.Value(result.Tokens.Single().Value)}'");
        return Priority.Normal;
    }
}
