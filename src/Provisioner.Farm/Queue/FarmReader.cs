using System.Globalization;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Telemetry;
using StackExchange.Redis;

namespace Provisioner.Farm.Queue;

/// <summary>Reads jobs, tasks, frames and workers for <c>provision farm status</c> and <c>farm workers</c>. Read-only.</summary>
public sealed class FarmReader(IDatabase redis, FarmQueue queue)
{
    /// <summary>The newest jobs first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<JobStatus>> JobsAsync(int limit, CancellationToken cancellationToken)
    {
        var ids = await queue.Run(() => redis.SortedSetRangeByRankAsync(FarmKeys.Jobs, 0, limit - 1, Order.Descending), cancellationToken).ConfigureAwait(false);
        var jobs = await Task.WhenAll(ids.Select(id => JobAsync(id.ToString(), cancellationToken))).ConfigureAwait(false);
        return jobs.OfType<JobStatus>().ToList();
    }

    public async Task<JobStatus?> JobAsync(string jobId, CancellationToken cancellationToken)
    {
        var fields = await FieldsAsync(FarmKeys.Job(jobId), cancellationToken).ConfigureAwait(false);
        if (!fields.TryGetValue("spec", out var json))
        {
            return null;
        }

        var spec = JobSpec.TryParse(json, out _) ?? new JobSpec { Id = jobId, Src = "?", Frames = "?", Output = "?" };
        return new JobStatus(spec, Get(fields, "status"), Int(fields, "frames_total"), Int(fields, "frames_done"), Int(fields, "frames_failed"),
            Int(fields, "tasks_total"), Int(fields, "tasks_done"), Time(fields, "submitted_ms") ?? DateTimeOffset.UnixEpoch,
            Time(fields, "started_ms"), Time(fields, "finished_ms"), Get(fields, "error"), Get(fields, "last_error"))
        {
            GpuTime = TimeSpan.FromMilliseconds(Long(fields, "gpu_ms")),
            CostMicros = Long(fields, "cost_micros"),
            Flagged = fields.Where(f => f.Key.StartsWith(FlaggedPrefix, StringComparison.Ordinal))
                .ToDictionary(f => f.Key[FlaggedPrefix.Length..], f => Int(fields, f.Key), StringComparer.Ordinal),
            LastWarning = Get(fields, "last_warning"),
        };
    }

    /// <summary>The job's per-flag counters are named flagged_WORD (FarmScripts' account()).</summary>
    private const string FlaggedPrefix = "flagged_";

    /// <summary>Every task of the job, in frame order: one pipelined round of reads (tests and debugging; status reads <see cref="RunningTasksAsync"/>).</summary>
    public async Task<IReadOnlyList<TaskSummary>> TasksAsync(string jobId, CancellationToken cancellationToken)
    {
        var ids = await queue.Run(() => redis.ListRangeAsync(FarmKeys.JobTasks(jobId)), cancellationToken).ConfigureAwait(false);
        return await SummariesAsync(ids.Select(id => id.ToString()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The job's tasks a worker holds now (from the job's running set): bounded by the workers, never every task.</summary>
    public async Task<IReadOnlyList<TaskSummary>> RunningTasksAsync(string jobId, CancellationToken cancellationToken)
    {
        var ids = await queue.Run(() => redis.SetMembersAsync(FarmKeys.JobRunning(jobId)), cancellationToken).ConfigureAwait(false);
        return await SummariesAsync(ids.Select(id => id.ToString()).Order(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<TaskSummary>> SummariesAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        // Issued together, the reads travel in one pipeline: 10,000 tasks cost one round trip, not 10,000.
        var reads = ids.Select(async id => (Id: id, Fields: await FieldsAsync(FarmKeys.Task(id), cancellationToken).ConfigureAwait(false))).ToList();
        var tasks = new List<TaskSummary>();
        foreach (var (id, fields) in await Task.WhenAll(reads).ConfigureAwait(false))
        {
            tasks.Add(new TaskSummary(id, Get(fields, "frames"), Get(fields, "state"), Int(fields, "attempts"), Get(fields, "worker"), Get(fields, "last_error"))
            {
                GpuFlags = GpuWarningNames.Words(GpuWarningNames.Parse(Get(fields, "gpu_flags"))),
                GpuSeconds = Long(fields, "gpu_ms") / 1000.0,
            });
        }

        return tasks;
    }

    /// <summary>Every rendered frame of a job, in frame order.</summary>
    public async Task<IReadOnlyList<FrameRecord>> FramesAsync(string jobId, CancellationToken cancellationToken)
    {
        var entries = await queue.Run(() => redis.HashGetAllAsync(FarmKeys.JobFrames(jobId)), cancellationToken).ConfigureAwait(false);
        return entries
            .Select(e =>
            {
                var parts = e.Value.ToString().Split('|', 2);
                return new FrameRecord((int)e.Name, TimeSpan.FromMilliseconds(long.Parse(parts[0], CultureInfo.InvariantCulture)), parts.Length > 1 ? parts[1] : "");
            })
            .OrderBy(f => f.Frame)
            .ToArray();
    }

    public async Task<IReadOnlyList<WorkerStatus>> WorkersAsync(CancellationToken cancellationToken)
    {
        var names = await queue.Run(() => redis.SetMembersAsync(FarmKeys.Workers), cancellationToken).ConfigureAwait(false);
        // Issued together, the reads share one pipeline: a fleet of hundreds costs one round trip.
        return await Task.WhenAll(names.Select(n => n.ToString()).Order(StringComparer.Ordinal).Select(name => WorkerAsync(name, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>One worker as it last reported itself (its fields empty when it never did).</summary>
    public async Task<WorkerStatus> WorkerAsync(string name, CancellationToken cancellationToken)
    {
        var fields = await FieldsAsync(FarmKeys.Worker(name), cancellationToken).ConfigureAwait(false);
        return new WorkerStatus(name, Get(fields, "state"), Time(fields, "heartbeat_ms"), Get(fields, "task"), Time(fields, "task_ms"),
            Get(fields, "gpu"), Get(fields, "host"), Int(fields, "frames"), Get(fields, "last_error"), Get(fields, "draining") == "1")
        {
            GpuReading = Time(fields, "gpu_sampled_ms") is null ? null : new GpuSample(Get(fields, "gpu_model"), IntOrNull(fields, "gpu_util"),
                IntOrNull(fields, "gpu_mem_used"), IntOrNull(fields, "gpu_mem_total"), IntOrNull(fields, "gpu_temp"),
                double.TryParse(Get(fields, "gpu_power"), CultureInfo.InvariantCulture, out var watts) ? watts : null,
                GpuSample.ParseReasons(Get(fields, "gpu_throttle"))),
            GpuSampledAt = Time(fields, "gpu_sampled_ms"),
            GpuFlags = GpuWarningNames.Parse(Get(fields, "gpu_flags")),
            HourlyCost = decimal.TryParse(Get(fields, "hourly_cost"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) ? rate : null,
            Blender = BlenderFeatures.FromFields(name => Get(fields, name)),
            GlRenderer = Get(fields, "gl_renderer"),
            GpuDriver = Get(fields, "gpu_driver"),
        };
    }

    /// <summary>True once <paramref name="frame"/> of the job is rendered (one field read, not the job's every frame).</summary>
    public async Task<bool> HasFrameAsync(string jobId, int frame, CancellationToken cancellationToken) =>
        await queue.Run(() => redis.HashExistsAsync(FarmKeys.JobFrames(jobId), frame), cancellationToken).ConfigureAwait(false);

    /// <summary>Workers that heartbeated within <paramref name="within"/> of <paramref name="now"/>: the ones that will take work.</summary>
    public async Task<int> LiveWorkersAsync(DateTimeOffset now, TimeSpan within, CancellationToken cancellationToken) =>
        (await WorkersAsync(cancellationToken).ConfigureAwait(false)).Count(w => w.Heartbeat is { } beat && now - beat <= within);

    /// <summary>Tasks waiting per priority, summed over its pools (what /metrics reports as queue depth).</summary>
    public async Task<IReadOnlyDictionary<Priority, long>> QueueDepthsAsync(CancellationToken cancellationToken)
    {
        var depths = new SortedDictionary<Priority, long>();
        foreach (var priority in Enum.GetValues<Priority>())
        {
            var pools = await queue.Run(() => redis.SortedSetRangeByRankAsync(FarmKeys.Pools(priority)), cancellationToken).ConfigureAwait(false);
            var lengths = await Task.WhenAll(pools.Select(pool => queue.Run(() => redis.ListLengthAsync(FarmKeys.Queue(priority, pool.ToString())), cancellationToken))).ConfigureAwait(false);
            depths[priority] = lengths.Sum();
        }

        return depths;
    }

    /// <summary>The id of the newest event, or "0-0" when there is none: where a reader that wants only new events starts.</summary>
    public async Task<string> LastEventIdAsync(CancellationToken cancellationToken)
    {
        var newest = await queue.Run(() => redis.StreamRangeAsync(FarmKeys.Events, "-", "+", 1, Order.Descending), cancellationToken).ConfigureAwait(false);
        return newest.Length == 0 ? "0-0" : newest[0].Id.ToString();
    }

    /// <summary>The events after <paramref name="afterId"/>, oldest first, at most <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<FarmEvent>> EventsAfterAsync(string afterId, int count, CancellationToken cancellationToken)
    {
        // "(" makes the start exclusive (Redis 6.2 and later, which the farm needs anyway).
        var entries = await queue.Run(() => redis.StreamRangeAsync(FarmKeys.Events, "(" + afterId, "+", count), cancellationToken).ConfigureAwait(false);
        return [.. entries.Select(entry =>
        {
            var fields = entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value.ToString(), StringComparer.Ordinal);
            var frames = Get(fields, "frames").Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(ms => long.TryParse(ms, CultureInfo.InvariantCulture, out var value) ? TimeSpan.FromMilliseconds(value) : TimeSpan.Zero)
                .ToArray();
            return new FarmEvent(entry.Id.ToString(), Get(fields, "outcome"), TimeSpan.FromMilliseconds(Long(fields, "held_ms")),
                Long(fields, "cost_micros"), GpuWarningNames.Parse(Get(fields, "flags")), frames);
        })];
    }

    /// <summary>
    /// The job's hash as the seed's clients read it (status, progress, error, spec, counts), sorted by
    /// name; empty when there is no such job. What the service's <c>GET /status/ID</c> answers.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> SeedStatusAsync(string jobId, CancellationToken cancellationToken) =>
        new SortedDictionary<string, string>(await FieldsAsync(FarmKeys.Job(jobId), cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);

    /// <summary>A hash's fields as text (empty when the key does not exist).</summary>
    private async Task<Dictionary<string, string>> FieldsAsync(string key, CancellationToken cancellationToken) =>
        (await queue.Run(() => redis.HashGetAllAsync(key), cancellationToken).ConfigureAwait(false))
            .ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);

    private static string Get(Dictionary<string, string> fields, string name) => fields.GetValueOrDefault(name, "");

    private static int Int(Dictionary<string, string> fields, string name) =>
        int.TryParse(Get(fields, name), CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static int? IntOrNull(Dictionary<string, string> fields, string name) =>
        int.TryParse(Get(fields, name), CultureInfo.InvariantCulture, out var value) ? value : null;

    private static long Long(Dictionary<string, string> fields, string name) =>
        long.TryParse(Get(fields, name), CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static DateTimeOffset? Time(Dictionary<string, string> fields, string name) =>
        long.TryParse(Get(fields, name), CultureInfo.InvariantCulture, out var ms) && ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
