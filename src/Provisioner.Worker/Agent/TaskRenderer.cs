using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Farm.Telemetry;
using Provisioner.Worker.Files;
using Provisioner.Worker.Generation;
using Provisioner.Worker.Rendering;
using Serilog;

namespace Provisioner.Worker.Agent;

/// <summary>What one render attempt produced: the frames with their times, or the reason it failed; <paramref name="Marks"/> and <paramref name="Note"/> flag what the attempt ran on (software GL, CUDA for OPTIX).</summary>
public sealed record RenderOutcome(IReadOnlyList<FrameTime> Frames, string? Error, bool RefusedDevice = false, GpuWarnings Marks = GpuWarnings.None, string Note = "")
{
    public static RenderOutcome Failed(string error, bool refusedDevice = false) => new([], error, refusedDevice);
}

/// <summary>Notes on a task, joined with "; " where both have something to say.</summary>
public static class Notes
{
    public static string Join(string first, string second) => first.Length == 0 ? second : second.Length == 0 ? first : first + "; " + second;
}

/// <summary>
/// One attempt at one task: device check, scene from the cache, Blender into a directory of its
/// own, every expected frame present and decodable, then delivered to the job's output.
/// </summary>
public sealed class TaskRenderer(WorkerConfig config, AssetCache cache, BlenderRunner blender, ILogger log, BlenderFeatures? features = null)
{
    private readonly GenerationRenderer generation = new(config, blender, log);

    // The OpenGL Blender gets, asked before the first GL task and kept (see GlProbe).
    private (GlReading? Reading, string? Problem)? gl;

    /// <summary>The OpenGL renderer this worker's Blender got, once a GL task asked for it.</summary>
    public GlReading? Gl => gl?.Reading;

    public async Task<RenderOutcome> RenderAsync(TaskLease task, CancellationToken cancellationToken)
    {
        var job = task.Job;
        var device = job.Device ?? config.Device;
        var (refusal, _) = await GpuGuard.CheckAsync(device, config.NvidiaSmi, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return RenderOutcome.Failed(refusal, refusedDevice: true);
        }

        // Cycles on the GPU: the card's driver must be new enough for it and for this Blender (seed 000).
        var choice = new DeviceChoice(device, null);
        if (RenderDevices.IsGpu(device) && !Engines.NeedsGl(job.Engine))
        {
            choice = await ChooseDeviceAsync(device, cancellationToken).ConfigureAwait(false);
            if (choice.Problem is { } driverProblem)
            {
                return RenderOutcome.Failed(driverProblem, refusedDevice: true);
            }
        }

        // A setting this Blender lacks would be ignored or stop Blender after the scene loaded: refused first.
        if (FeatureProblem(job) is { } unsupported)
        {
            return RenderOutcome.Failed(unsupported);
        }

        // EEVEE and Workbench draw with OpenGL: a GPU job must get the GPU's, not Mesa on the CPU (seed 003).
        var marks = GpuWarnings.None;
        var note = "";
        if (Engines.NeedsGl(job.Engine))
        {
            gl ??= await GlProbe.ProbeAsync(config.Blender, cancellationToken).ConfigureAwait(false);
            if (GlCheck.Problem(gl.Value.Reading, gl.Value.Problem, device, job.Engine!) is { } glProblem)
            {
                return RenderOutcome.Failed(glProblem);
            }

            if (gl.Value.Reading!.IsSoftware)
            {
                marks |= GpuWarnings.SoftwareGl;
                note = $"{job.Engine} drew on software OpenGL, {gl.Value.Reading} (allowed: the job asked for the CPU)";
            }
        }

        // A job submitted elsewhere may name paths this worker was not given (the unit could not write there anyway).
        if (JobValidation.OutsideRoots(job, config.AllowedRoots) is { } outside)
        {
            return RenderOutcome.Failed(outside);
        }

        string? scene = null;
        try
        {
            // A generation job's script may build its scene from nothing.
            if (job.Src is { } src)
            {
                scene = await cache.GetAsync(src, job.Sha256, job.Id, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException or UnauthorizedAccessException)
        {
            return RenderOutcome.Failed("fetching the scene failed: " + e.Message);
        }

        var pattern = OutputPattern.FromJobOutput(job.Output);
        var taskDirectory = Path.Combine(config.WorkDirectory, "tasks", task.TaskId, "attempt-" + task.Attempt);
        if (Directory.Exists(taskDirectory))
        {
            Directory.Delete(taskDirectory, recursive: true);
        }

        Directory.CreateDirectory(taskDirectory);
        if (job.Generate is { } generate)
        {
            var made = await WithFallbackAsync(device, choice, d => generation.RenderAsync(task, generate, scene, d, taskDirectory, cancellationToken)).ConfigureAwait(false);
            Directory.Delete(taskDirectory, recursive: true);
            return made with { Marks = made.Marks | marks, Note = Notes.Join(note, made.Note) };
        }

        var rendered = await WithFallbackAsync(device, choice, d => RenderFramesAsync(task, scene!, d, pattern, taskDirectory, cancellationToken)).ConfigureAwait(false);
        return rendered with { Marks = rendered.Marks | marks, Note = Notes.Join(note, rendered.Note) };
    }

    /// <summary>The card as its driver names it, from the last GPU task (the heartbeat reports its driver).</summary>
    public GpuIdentity? Gpu { get; private set; }

    /// <summary>Asks nvidia-smi for the card and its driver; a worker reads it at start and before each GPU task.</summary>
    public async Task<(GpuIdentity? Gpu, string? Problem)> ReadGpuAsync(CancellationToken cancellationToken)
    {
        var read = await DriverQuery.ReadAsync(config.NvidiaSmi, cancellationToken).ConfigureAwait(false);
        Gpu = read.Gpu ?? Gpu;
        return read;
    }

    private async Task<DeviceChoice> ChooseDeviceAsync(string device, CancellationToken cancellationToken)
    {
        var (gpu, problem) = await ReadGpuAsync(cancellationToken).ConfigureAwait(false);
        return gpu is null
            ? new DeviceChoice(null, $"{device} task refused: {problem}; without the driver version the driver check cannot be made")
            : DeviceChoice.For(gpu, device, features?.Version);
    }

    /// <summary>
    /// Runs the attempt on the chosen device. OPTIX,CUDA: when Blender finds no OptiX device on
    /// this card (its own error, before any frame), the same attempt runs again with CUDA, never
    /// with the CPU; either way of falling back is marked on the task (cuda-fallback) with the reason.
    /// </summary>
    private async Task<RenderOutcome> WithFallbackAsync(string asked, DeviceChoice choice, Func<string, Task<RenderOutcome>> attempt)
    {
        var outcome = await attempt(choice.Device!).ConfigureAwait(false);
        var fellBack = choice.Note;
        if (asked == RenderDevices.OptixThenCuda && choice.Device == RenderDevices.Optix
            && outcome.Error?.Contains(DeviceChoice.NoDeviceOfType, StringComparison.Ordinal) == true)
        {
            log.Warning("Blender found no OptiX device; rendering with CUDA ({Error})", outcome.Error);
            fellBack = "OptiX passed over for CUDA: Blender found no OptiX device on this card";
            outcome = await attempt(RenderDevices.Cuda).ConfigureAwait(false);
            if (outcome.Error is { } error)
            {
                outcome = outcome with { Error = "OptiX: Blender found no OptiX device; then CUDA (never the CPU): " + error };
            }
        }

        return fellBack.Length == 0 ? outcome : outcome with { Marks = outcome.Marks | GpuWarnings.CudaFallback, Note = Notes.Join(fellBack, outcome.Note) };
    }

    private async Task<RenderOutcome> RenderFramesAsync(TaskLease task, string scene, string device, OutputPattern pattern, string taskDirectory, CancellationToken cancellationToken)
    {
        var job = task.Job;
        var engineId = features?.EngineId(job.Engine ?? Engines.Cycles) ?? "CYCLES";
        // Read again here: the job passed the same check when it was submitted or taken in.
        var (extra, refused) = BlenderArguments.Read(job.Extra, engineId == "CYCLES");
        if (refused is not null)
        {
            return RenderOutcome.Failed(refused);
        }

        var command = new BlenderCommand(config.Blender, scene, Path.Combine(taskDirectory, pattern.FilePattern), task.Frames, device, job.Samples, config.Threads, RenderOptions.From(job), engineId, extra);
        log.Debug("running {Command}", command);
        var result = await blender.RunAsync(command, TimeSpan.FromSeconds(job.TaskTimeoutSeconds), null, cancellationToken).ConfigureAwait(false);
        if (result.FirstFrameAfter is { } fixedCost)
        {
            log.Information("task {Task}: Blender's fixed cost (start to first frame) {Seconds:0.00} s", task.TaskId, fixedCost.TotalSeconds);
        }

        if (result.TimedOut)
        {
            return RenderOutcome.Failed($"timed out after {job.TaskTimeoutSeconds} s (task_timeout_seconds); {result.Log.Saved.Count} of {task.Frames.Count} frames were saved");
        }

        if (result.ExitCode != 0)
        {
            return RenderOutcome.Failed(result.Log.Explain(result.ExitCode));
        }

        var times = result.Log.Saved.ToDictionary(s => Path.GetFileName(s.Path), s => s.Time, StringComparer.Ordinal);
        var names = task.Frames.Frames.Select(frame => (Frame: frame, Name: pattern.FileName(frame, job.Format))).ToArray();
        var frames = new List<FrameTime>();
        var problems = new List<string>();
        foreach (var (frame, name) in names)
        {
            var file = Path.Combine(taskDirectory, name);
            var problem = File.Exists(file) ? FrameCheck.Problem(file, job.Format) : "missing";
            if (problem is not null)
            {
                problems.Add($"frame {frame} ({name}): {problem}");
                continue;
            }

            frames.Add(new FrameTime(frame, times.GetValueOrDefault(name)));
        }

        if (problems.Count > 0)
        {
            var blenderSaid = result.Log.Errors.Count > 0 ? "; " + result.Log.Explain(result.ExitCode) : "";
            return RenderOutcome.Failed(string.Join("; ", problems) + blenderSaid);
        }

        foreach (var (_, name) in names)
        {
            await ResultCopier.CopyAsync(Path.Combine(taskDirectory, name), Path.Combine(pattern.Directory, name), cancellationToken).ConfigureAwait(false);
        }

        Directory.Delete(taskDirectory, recursive: true);
        return new RenderOutcome(frames, null);
    }

    /// <summary>Why this worker's Blender cannot render the job as asked; a job asking for a denoiser or format on a worker whose Blender could not be asked is refused too.</summary>
    private string? FeatureProblem(JobSpec job)
    {
        if (!JobFeasibility.NeedsWorkers(job))
        {
            return null;
        }

        return features is null
            ? $"worker {config.Name} could not ask its Blender ({config.Blender}) which denoisers and formats it has (see its log at start-up), so it does not take a job that sets them"
            : features.Problem(job, "worker " + config.Name);
    }
}
