using Prometheus;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Farm.Telemetry;

namespace Provisioner.Service;

/// <summary>
/// What Prometheus scrapes at <c>/metrics</c>, read from the queue at each scrape (the service
/// keeps no state of its own beyond where it read the event stream to, so several instances report
/// the same). Label sets stay bounded: priorities, job states, outcomes, flags and worker names
/// (the fleet's size), never job or task ids.
/// </summary>
internal sealed class FarmMetrics
{
    /// <summary>How long one scrape may wait for the queue.</summary>
    public static readonly TimeSpan ScrapeBudget = TimeSpan.FromSeconds(5);

    private readonly FarmReader reader;
    private readonly TimeProvider time;
    private readonly TimeSpan silentAfter;
    private readonly Gauge queueDepth;
    private readonly Gauge jobs;
    private readonly Gauge workers;
    private readonly Gauge workerFrames;
    private readonly Gauge heartbeatAge;
    private readonly Gauge up;
    private readonly Gauge gpuUtilization;
    private readonly Gauge gpuMemoryUsed;
    private readonly Gauge gpuMemoryTotal;
    private readonly Gauge gpuTemperature;
    private readonly Gauge gpuPower;
    private readonly Gauge gpuFlagged;
    private readonly Gauge costPerHour;
    private readonly Histogram taskDuration;
    private readonly Histogram frameRender;
    private readonly Counter attempts;
    private readonly Counter flaggedAttempts;
    private readonly Counter cost;
    private readonly Counter gpuSeconds;

    // Per-worker series of workers that left the list (forgotten) are removed, not frozen at their last value.
    private readonly HashSet<string> listedWorkers = new(StringComparer.Ordinal);

    // Where the event stream was read up to; null until the first scrape, which starts at the newest
    // event (counters count from the service's start, as Prometheus expects of a restarted process).
    // reading is 1 while a scrape reads the stream: a concurrent scrape leaves it to that one.
    private string? lastEventId;
    private int reading;

    private FarmMetrics(CollectorRegistry registry, FarmReader reader, TimeProvider time, TimeSpan silentAfter)
    {
        this.silentAfter = silentAfter;
        this.reader = reader;
        this.time = time;
        var metrics = Metrics.WithCustomRegistry(registry);
        queueDepth = metrics.CreateGauge("farm_queue_depth", "Tasks waiting, per priority.", "priority");
        jobs = metrics.CreateGauge("farm_jobs", "Jobs by status (the newest 1,000).", "status");
        workers = metrics.CreateGauge("farm_workers", "Workers by state; lost: no heartbeat for 90 s.", "state");
        workerFrames = metrics.CreateGauge("farm_worker_frames", "Frames each worker has rendered (a count that only grows while the worker lives).", "worker");
        heartbeatAge = metrics.CreateGauge("farm_worker_heartbeat_age_seconds", "Seconds since each worker's last heartbeat.", "worker");
        up = metrics.CreateGauge("farm_queue_up", "1 when the queue answered this scrape, 0 when it did not (the other figures are then the last ones read).");
        gpuUtilization = metrics.CreateGauge("farm_worker_gpu_utilization_percent", "The worker's GPU utilisation at its latest nvidia-smi reading.", "worker");
        gpuMemoryUsed = metrics.CreateGauge("farm_worker_gpu_memory_used_bytes", "GPU memory in use at the latest reading.", "worker");
        gpuMemoryTotal = metrics.CreateGauge("farm_worker_gpu_memory_total_bytes", "The GPU's memory.", "worker");
        gpuTemperature = metrics.CreateGauge("farm_worker_gpu_temperature_celsius", "GPU temperature at the latest reading.", "worker");
        gpuPower = metrics.CreateGauge("farm_worker_gpu_power_watts", "GPU power draw at the latest reading (absent where the board does not report it).", "worker");
        gpuFlagged = metrics.CreateGauge("farm_worker_gpu_flagged", "1 while the worker's GPU is flagged: cpu-fallback (its running GPU task left the GPU idle), throttled, hot.", "worker", "flag");
        costPerHour = metrics.CreateGauge("farm_cost_per_hour", "What the workers that are not lost cost per hour, at their inventory rates (hourly_cost).");
        taskDuration = metrics.CreateHistogram("farm_task_duration_seconds", "How long a worker held each finished attempt at a task (done, failed or released), from take to report.",
            new HistogramConfiguration { LabelNames = ["outcome"], Buckets = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] });
        frameRender = metrics.CreateHistogram("farm_frame_render_seconds", "Blender's render time of each frame recorded (once per frame, whoever rendered it).",
            new HistogramConfiguration { Buckets = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800] });
        attempts = metrics.CreateCounter("farm_task_attempts_total", "Finished attempts at tasks, by outcome (done, failed, released).", "outcome");
        flaggedAttempts = metrics.CreateCounter("farm_task_attempts_flagged_total", "Attempts the GPU telemetry flagged, by flag (cpu-fallback, throttled, hot).", "flag");
        cost = metrics.CreateCounter("farm_cost_total", "What the attempts finished since the service started cost, in the inventory's currency unit.");
        gpuSeconds = metrics.CreateCounter("farm_gpu_seconds_total", "Seconds workers held tasks, over the attempts finished since the service started.");
        registry.AddBeforeCollectCallback(ReadAsync);
    }

    /// <summary>Registers the farm's gauges in <paramref name="registry"/>, read from the queue at each scrape.</summary>
    public static void Register(CollectorRegistry registry, FarmReader reader, TimeProvider time, TimeSpan silentAfter) => _ = new FarmMetrics(registry, reader, time, silentAfter);

    /// <summary>
    /// A queue that does not answer is <c>farm_queue_up 0</c>, not an empty page: an exception
    /// thrown here would be swallowed by the exporter, and the scrape would look like a farm with
    /// nothing in it.
    /// </summary>
    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        // Within Prometheus's own scrape timeout (10 s by default): the queue's retries would wait longer.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(ScrapeBudget);
        try
        {
            await ReadQueueAsync(bounded.Token).ConfigureAwait(false);
            up.Set(1);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            up.Set(0);
        }
    }

    private async Task ReadQueueAsync(CancellationToken cancellationToken)
    {
        foreach (var (priority, depth) in await reader.QueueDepthsAsync(cancellationToken).ConfigureAwait(false))
        {
            queueDepth.WithLabels(priority.ToString().ToLowerInvariant()).Set(depth);
        }

        var byStatus = (await reader.JobsAsync(FarmServiceOptions.MaxJobs, cancellationToken).ConfigureAwait(false))
            .GroupBy(j => j.Status).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var status in new[] { "queued", "running", "done", "failed", "cancelled" })
        {
            jobs.WithLabels(status).Set(byStatus.GetValueOrDefault(status));
        }

        var now = time.GetUtcNow();
        var listed = await reader.WorkersAsync(cancellationToken).ConfigureAwait(false);
        foreach (var gone in listedWorkers.Except(listed.Select(w => w.Name)).ToList())
        {
            RemoveWorker(gone);
        }

        foreach (var worker in listed)
        {
            listedWorkers.Add(worker.Name);
            workerFrames.WithLabels(worker.Name).Set(worker.Frames);
            if (worker.Heartbeat is { } beat)
            {
                heartbeatAge.WithLabels(worker.Name).Set((now - beat).TotalSeconds);
            }

            SetGpu(worker);
        }

        foreach (var (state, count) in WorkerStatus.CountByCondition(listed, now, silentAfter))
        {
            workers.WithLabels(state.ToString().ToLowerInvariant()).Set(count);
        }

        costPerHour.Set((double)WorkerStatus.CostPerHour(listed, now, silentAfter));
        await ReadEventsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The worker's latest GPU reading; a figure it does not have is removed rather than left at an old value.</summary>
    private void SetGpu(WorkerStatus worker)
    {
        var gpu = worker.GpuReading;
        void Set(Gauge gauge, double? value)
        {
            if (value is { } v)
            {
                gauge.WithLabels(worker.Name).Set(v);
            }
            else
            {
                gauge.RemoveLabelled(worker.Name);
            }
        }

        Set(gpuUtilization, gpu?.UtilizationPercent);
        Set(gpuMemoryUsed, gpu?.MemoryUsedMiB * 1024.0 * 1024.0);
        Set(gpuMemoryTotal, gpu?.MemoryTotalMiB * 1024.0 * 1024.0);
        Set(gpuTemperature, gpu?.TemperatureC);
        Set(gpuPower, gpu?.PowerWatts);
        foreach (var flag in new[] { GpuWarnings.CpuFallback, GpuWarnings.Throttled, GpuWarnings.Hot })
        {
            gpuFlagged.WithLabels(worker.Name, GpuWarningNames.Name(flag)).Set(worker.GpuFlags.HasFlag(flag) ? 1 : 0);
        }
    }

    private void RemoveWorker(string name)
    {
        listedWorkers.Remove(name);
        foreach (var gauge in new[] { workerFrames, heartbeatAge, gpuUtilization, gpuMemoryUsed, gpuMemoryTotal, gpuTemperature, gpuPower })
        {
            gauge.RemoveLabelled(name);
        }

        foreach (var flag in GpuWarningNames.All)
        {
            gpuFlagged.RemoveLabelled(name, flag);
        }
    }

    /// <summary>
    /// The attempts finished since the last scrape, from the event stream, into the histograms and
    /// counters. One scrape at a time reads it, so no event is counted twice.
    /// </summary>
    private async Task ReadEventsAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref reading, 1) == 1)
        {
            return;
        }

        try
        {
            lastEventId ??= await reader.LastEventIdAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var events = await reader.EventsAfterAsync(lastEventId, 1000, cancellationToken).ConfigureAwait(false);
                foreach (var farmEvent in events)
                {
                    Observe(farmEvent);
                    lastEventId = farmEvent.Id;
                }

                if (events.Count < 1000)
                {
                    break;
                }
            }
        }
        finally
        {
            Volatile.Write(ref reading, 0);
        }
    }

    private void Observe(FarmEvent farmEvent)
    {
        var outcome = farmEvent.Outcome is "done" or "failed" or "released" ? farmEvent.Outcome : "other";
        taskDuration.WithLabels(outcome).Observe(farmEvent.Held.TotalSeconds);
        attempts.WithLabels(outcome).Inc();
        gpuSeconds.Inc(farmEvent.Held.TotalSeconds);
        cost.Inc((double)JobReport.CostOf(farmEvent.CostMicros));
        foreach (var frame in farmEvent.FrameTimes)
        {
            frameRender.Observe(frame.TotalSeconds);
        }

        foreach (var flag in GpuWarningNames.Words(farmEvent.Flags))
        {
            flaggedAttempts.WithLabels(flag).Inc();
        }
    }
}
