using Prometheus;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;

namespace Provisioner.Service;

/// <summary>
/// What Prometheus scrapes at <c>/metrics</c>, read from the queue at each scrape (the service
/// keeps no state of its own, so several instances report the same). Label sets stay bounded:
/// priorities, job states and worker names (the fleet's size), never job or task ids.
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
        foreach (var worker in listed)
        {
            workerFrames.WithLabels(worker.Name).Set(worker.Frames);
            if (worker.Heartbeat is { } beat)
            {
                heartbeatAge.WithLabels(worker.Name).Set((now - beat).TotalSeconds);
            }
        }

        foreach (var (state, count) in WorkerStatus.CountByCondition(listed, now, silentAfter))
        {
            workers.WithLabels(state.ToString().ToLowerInvariant()).Set(count);
        }
    }
}
