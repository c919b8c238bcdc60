using System.Globalization;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Farm.Telemetry;
using Provisioner.Worker.Files;
using Provisioner.Worker.Rendering;
using Provisioner.Worker.Telemetry;
using Serilog;
using StackExchange.Redis;

namespace Provisioner.Worker.Agent;

/// <summary>
/// The worker's loop: take a task under a lease, keep the lease alive while Blender renders,
/// check every frame, deliver them, and report. Between tasks it requeues tasks of dead workers
/// and takes in jobs pushed by the seed's clients. Stopping (SIGTERM) gives the current task back.
/// A GPU worker's <paramref name="monitor"/> samples its card all along; each attempt is reported
/// with what it used (time held, cost) and what the samples flagged.
/// </summary>
public sealed class WorkerAgent(WorkerConfig config, FarmQueue queue, SeedIntake intake, TaskRenderer renderer, GpuMonitor? monitor, TimeProvider clock, ILogger log, BlenderFeatures? blender = null)
{
    private string gpu = "";

    public async Task RunAsync(CancellationToken stop)
    {
        log.Information("worker {Worker} on {Host}: device {Device}, queue {Queue}", config.Name, config.Host, config.Device, RedisAddress.Redact(config.QueueUrl));
        gpu = (await GpuGuard.CheckAsync(config.Device, config.NvidiaSmi, stop).ConfigureAwait(false)).Gpu;
        if (RenderDevices.IsGpu(config.Device))
        {
            // The driver version goes out with every heartbeat: farm workers and check show it.
            var (card, problem) = await renderer.ReadGpuAsync(stop).ConfigureAwait(false);
            log.Information("GPU: {Gpu}", card?.ToString() ?? problem);
        }

        var sampling = monitor?.RunAsync(stop) ?? Task.CompletedTask;
        var lastHousekeeping = long.MinValue;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (lastHousekeeping == long.MinValue || clock.GetElapsedTime(lastHousekeeping) >= config.ReapEvery)
                {
                    await HousekeepingAsync(stop).ConfigureAwait(false);
                    lastHousekeeping = clock.GetTimestamp();
                }

                var task = await queue.TakeAsync(config.Name, config.Lease, stop).ConfigureAwait(false);
                if (task is null)
                {
                    await queue.HeartbeatAsync(config.Name, null, config.Lease, gpu, config.Host, Fields(), stop).ConfigureAwait(false);
                    await Task.Delay(config.Poll, clock, stop).ConfigureAwait(false);
                    continue;
                }

                await ProcessAsync(task, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Polly already retried for a while: Redis is down for longer. Keep waiting for it.
                log.Warning("queue unreachable: {Error}; trying again", e.Message);
                await Task.Delay(config.Poll, clock, stop).ConfigureAwait(false);
            }
        }

        await sampling.ConfigureAwait(false);
        log.Information("worker {Worker} stopped", config.Name);
    }

    /// <summary>What each heartbeat says about the worker beyond being alive: its GPU's latest reading, its rate and limit.</summary>
    private List<WorkerField> Fields()
    {
        var fields = monitor?.HeartbeatFields().ToList() ?? [];
        fields.Add(new("hourly_cost", config.HourlyCost?.ToString(CultureInfo.InvariantCulture) ?? ""));
        fields.Add(new("temperature_limit", config.TemperatureLimit.ToString(CultureInfo.InvariantCulture)));
        fields.AddRange(blender?.Fields() ?? []);
        if (renderer.Gpu is { } card)
        {
            fields.Add(new("gpu_driver", card.Driver.ToString()));
        }

        if (renderer.Gl is { } gl)
        {
            fields.Add(new("gl_renderer", gl.ToString()));
        }

        return fields;
    }

    private async Task HousekeepingAsync(CancellationToken stop)
    {
        // One worker per period reaps for the whole farm (the others find the lock taken).
        var reaped = await queue.ReapInTurnAsync(config.Name, config.ReapEvery, stop).ConfigureAwait(false);
        if (reaped > 0)
        {
            log.Warning("requeued {Count} task(s) whose worker stopped renewing the lease", reaped);
        }

        var taken = await intake.TakeInAsync(config.Name, stop).ConfigureAwait(false);
        if (taken > 0)
        {
            log.Information("took in {Count} job(s) from {Queue}", taken, FarmKeys.SeedQueue);
        }
    }

    private async Task ProcessAsync(TaskLease task, CancellationToken stop)
    {
        log.Information("task {Task}: frames {Frames} of job {Job} (attempt {Attempt})", task.TaskId, task.Frames, task.Job.Id, task.Attempt);
        using var rendering = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var keeperStop = new CancellationTokenSource();
        var keeper = KeepLeaseAsync(task, rendering, keeperStop.Token);
        var took = clock.GetTimestamp();
        var watch = monitor?.Watch(gpuTask: RenderDevices.IsGpu(task.Job.Device ?? config.Device));
        RenderOutcome outcome;
        try
        {
            outcome = await renderer.RenderAsync(task, rendering.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (rendering.IsCancellationRequested)
        {
            monitor?.EndWatch();
            await keeperStop.CancelAsync().ConfigureAwait(false);
            var reason = await keeper.ConfigureAwait(false);
            await GiveUpAsync(task, reason, Usage(task, took, watch, null), stop).ConfigureAwait(false);
            return;
        }

        monitor?.EndWatch();
        var usage = Usage(task, took, watch, outcome);
        if (usage.Warning.Length > 0)
        {
            log.Warning("task {Task}: {Warning}", task.TaskId, usage.Warning);
        }

        await keeperStop.CancelAsync().ConfigureAwait(false);
        var lost = await keeper.ConfigureAwait(false);
        if (lost == LeaseState.Lost)
        {
            await GiveUpAsync(task, lost, usage, stop).ConfigureAwait(false);
            return;
        }

        if (outcome.Error is { } error)
        {
            var result = await queue.FailAsync(config.Name, task, error, usage, CancellationToken.None).ConfigureAwait(false);
            log.Error("task {Task} failed ({Outcome}): {Error}", task.TaskId, result, error);
            if (outcome.RefusedDevice)
            {
                await Task.Delay(config.Backoff, clock, stop).ConfigureAwait(false);
            }

            return;
        }

        var accepted = await queue.CompleteAsync(config.Name, task, outcome.Frames, usage, CancellationToken.None).ConfigureAwait(false);
        log.Information(accepted ? "task {Task} done: {Count} {Unit}" : "task {Task} made {Count} {Unit}, but it had been requeued meanwhile: not counted",
            task.TaskId, outcome.Frames.Count, task.Job.Generate is null ? "frames" : "items");
    }

    /// <summary>Why rendering stopped early: the lease went to someone else, the job ended, or the worker is stopping.</summary>
    private async Task GiveUpAsync(TaskLease task, LeaseState? reason, TaskUsage usage, CancellationToken stop)
    {
        if (reason == LeaseState.Lost)
        {
            log.Warning("task {Task}: lease lost (requeued by the reaper); dropping this render", task.TaskId);
            return;
        }

        var outcome = await queue.ReleaseAsync(config.Name, task, usage, CancellationToken.None).ConfigureAwait(false);
        log.Information("task {Task} given back ({Outcome}): {Why}", task.TaskId, outcome,
            stop.IsCancellationRequested ? "the worker is stopping" : "the job was cancelled or failed");
    }

    /// <summary>
    /// Renews the lease every sixth of its length; cancels the render when the queue says lost or
    /// cancelled. Why a sixth: when a Sentinel set loses its primary, the renewal it acknowledged
    /// last may not have reached the replica that takes over, and renewals wait while there is
    /// no primary. A live task then keeps lease - 2 x period after the kill, which must outlast
    /// the promotion: measured 2 to 11 s. With a third (30 s lease: 10 s left) the reaper took
    /// tasks from live workers; with a sixth 20 s are left. A renewal is one short script.
    /// </summary>
    private async Task<LeaseState?> KeepLeaseAsync(TaskLease task, CancellationTokenSource rendering, CancellationToken done)
    {
        var period = config.Lease / 6;
        while (!done.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, clock, done).ConfigureAwait(false);
                var state = await queue.HeartbeatAsync(config.Name, task.TaskId, config.Lease, gpu, config.Host, Fields(), done).ConfigureAwait(false);
                if (state is LeaseState.Lost or LeaseState.Cancelled)
                {
                    await rendering.CancelAsync().ConfigureAwait(false);
                    return state;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.Warning("heartbeat for {Task} failed: {Error}", task.TaskId, e.Message);
            }
        }

        return null;
    }

    /// <summary>
    /// What the attempt used: the time since it was taken, its cost at the worker's rate, and the
    /// GPU's verdict with the words that explain it. A task refused before rendering (no GPU
    /// visible) has nothing to judge.
    /// </summary>
    private TaskUsage Usage(TaskLease task, long took, GpuWatch? watch, RenderOutcome? outcome)
    {
        var refused = outcome?.RefusedDevice == true;
        // Whole milliseconds, as the queue stores the time: the cost is then exactly the stored time's.
        var held = TimeSpan.FromMilliseconds(Math.Floor(clock.GetElapsedTime(took).TotalMilliseconds));
        var verdict = refused ? GpuVerdict.Unwatched : watch?.Verdict() ?? GpuVerdict.Unwatched;
        var words = new List<string>();
        if (verdict.Flags.HasFlag(GpuWarnings.CpuFallback))
        {
            words.Add($"the GPU stayed at or below {GpuWatch.IdlePercent}% over {verdict.Samples} samples (peak {verdict.PeakUtilizationPercent}%): Cycles rendered on the CPU; is the job's device ({task.Job.Device ?? config.Device}) available to Blender in this VM?");
        }

        if (verdict.Flags.HasFlag(GpuWarnings.Throttled))
        {
            words.Add("the GPU throttled (thermal, hardware or power-brake slowdown): check its cooling and power");
        }

        if (verdict.Flags.HasFlag(GpuWarnings.Hot))
        {
            words.Add($"the GPU reached {verdict.PeakTemperatureC} °C, above the limit of {monitor?.TemperatureLimit} °C");
        }

        // What the attempt itself found it ran on (software GL, CUDA standing in for OptiX).
        if (outcome?.Note is { Length: > 0 } note)
        {
            words.Add(note);
        }

        var flags = verdict.Flags | (outcome?.Marks ?? GpuWarnings.None);
        var warning = words.Count == 0 ? "" : $"task {task.TaskId} on {config.Name}: " + string.Join("; ", words);
        return new TaskUsage(held, TaskUsage.Cost(held, config.HourlyCost), flags, warning);
    }
}
