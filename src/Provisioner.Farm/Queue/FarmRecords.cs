using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Telemetry;

namespace Provisioner.Farm.Queue;

/// <summary>A task a worker holds under a lease: which frames of which job, and which attempt this is.</summary>
public sealed record TaskLease(string TaskId, JobSpec Job, FrameList Frames, int Attempt);

/// <summary>One rendered frame and how long Blender took for it.</summary>
public sealed record FrameTime(int Frame, TimeSpan Render);

/// <summary>
/// What one attempt at a task used: how long the worker held it (GPU time, paid for whatever the
/// outcome), what that cost at the worker's hourly rate, in millionths of the inventory's currency
/// unit, and what the GPU telemetry flagged, with the words that explain it.
/// </summary>
public sealed record TaskUsage(TimeSpan Held, long CostMicros, GpuWarnings Flags, string Warning)
{
    public static readonly TaskUsage None = new(TimeSpan.Zero, 0, GpuWarnings.None, "");

    /// <summary>The cost of holding a worker for <paramref name="held"/> at <paramref name="hourlyRate"/> (null: no rate, no cost).</summary>
    public static long Cost(TimeSpan held, decimal? hourlyRate) =>
        hourlyRate is { } rate ? (long)Math.Round((decimal)held.TotalHours * rate * 1_000_000m, MidpointRounding.AwayFromZero) : 0;
}

/// <summary>
/// A field a worker reports about itself with its heartbeat (its GPU's latest reading, its rate).
/// Only the names in <see cref="Names"/> are written, so a worker cannot overwrite the queue's own
/// fields (its task, its lease, draining).
/// </summary>
public sealed record WorkerField(string Name, string Value)
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "gpu_model", "gpu_util", "gpu_mem_used", "gpu_mem_total", "gpu_temp", "gpu_power", "gpu_throttle", "gpu_flags",
        "gpu_sampled_ms", "hourly_cost", "temperature_limit",
        Jobs.BlenderFeatures.VersionField, Jobs.BlenderFeatures.DenoisersField, Jobs.BlenderFeatures.FormatsField, Jobs.BlenderFeatures.EnginesField,
        "gl_renderer", "gpu_driver",
    };
}

/// <summary>What the queue said to a heartbeat.</summary>
public enum LeaseState
{
    /// <summary>The lease was renewed: keep rendering.</summary>
    Ok,

    /// <summary>No task held.</summary>
    Idle,

    /// <summary>The lease expired and the task went to someone else: stop, its result would not count.</summary>
    Lost,

    /// <summary>The job was cancelled or failed: stop and give the task back.</summary>
    Cancelled,
}

/// <summary>What became of a failed attempt.</summary>
public enum FailOutcome
{
    Requeued,
    JobFailed,
    Dropped,
    Lost,
}

/// <summary>A job's state as <c>farm status</c> shows it, read from <c>job:{id}</c>.</summary>
public sealed record JobStatus(
    JobSpec Spec,
    string Status,
    int FramesTotal,
    int FramesDone,
    int FramesFailed,
    int TasksTotal,
    int TasksDone,
    DateTimeOffset Submitted,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    string Error,
    string LastError)
{
    /// <summary>How long workers held the job's tasks, every attempt counted.</summary>
    public TimeSpan GpuTime { get; init; }

    /// <summary>What that cost, in millionths (see <see cref="TaskUsage"/>).</summary>
    public long CostMicros { get; init; }

    /// <summary>How many attempts the GPU telemetry flagged, per flag; empty when none was.</summary>
    public IReadOnlyDictionary<string, int> Flagged { get; init; } = new Dictionary<string, int>();

    /// <summary>The latest flagged attempt in words ("" when none was).</summary>
    public string LastWarning { get; init; } = "";
}

/// <summary>One task of a job, for <c>farm status JOB</c>.</summary>
public sealed record TaskSummary(string TaskId, string Frames, string State, int Attempts, string Worker, string LastError)
{
    /// <summary>What the GPU telemetry flagged on its latest flagged attempt, in words (<see cref="GpuWarningNames"/>).</summary>
    public IReadOnlyList<string> GpuFlags { get; init; } = [];

    /// <summary>How long workers held it, every attempt counted.</summary>
    public double GpuSeconds { get; init; }
}

/// <summary>A worker as it last reported itself.</summary>
public sealed record WorkerStatus(
    string Name,
    string State,
    DateTimeOffset? Heartbeat,
    string Task,
    DateTimeOffset? TaskSince,
    string Gpu,
    string Host,
    long Frames,
    string LastError,
    bool Draining)
{
    /// <summary>The GPU's latest reading (null: a CPU worker, an older agent, or nvidia-smi failing).</summary>
    public GpuSample? GpuReading { get; init; }

    /// <summary>When <see cref="GpuReading"/> was taken (the worker's clock).</summary>
    public DateTimeOffset? GpuSampledAt { get; init; }

    /// <summary>What the telemetry flags now: the latest reading's throttling or heat, and the running task's CPU fallback.</summary>
    public GpuWarnings GpuFlags { get; init; }

    /// <summary>The worker's hourly rate from the inventory (null when it has none).</summary>
    public decimal? HourlyCost { get; init; }

    /// <summary>What the worker's Blender can do (null: an agent that does not report it).</summary>
    public Jobs.BlenderFeatures? Blender { get; init; }

    /// <summary>The OpenGL renderer its Blender got, once a GL task asked ("" before).</summary>
    public string GlRenderer { get; init; } = "";

    /// <summary>The NVIDIA driver version nvidia-smi reports in the VM ("" for a CPU worker or before it read it).</summary>
    public string GpuDriver { get; init; } = "";

    /// <summary>
    /// A worker whose last heartbeat is older than this is gone (killed, hung or cut off):
    /// `farm workers` shows it silent, /metrics counts it lost. Workers beat every few seconds.
    /// </summary>
    public static readonly TimeSpan SilentAfter = TimeSpan.FromSeconds(90);

    /// <summary>What the worker is doing as of <paramref name="now"/>: the one reading `farm workers`, the API, the dashboard and /metrics all show.</summary>
    public WorkerCondition Condition(DateTimeOffset now) => Condition(now, SilentAfter);

    /// <summary>As <see cref="Condition(DateTimeOffset)"/>, lost after <paramref name="silentAfter"/> of silence.</summary>
    public WorkerCondition Condition(DateTimeOffset now, TimeSpan silentAfter) =>
        Heartbeat is not { } beat || now - beat > silentAfter ? WorkerCondition.Lost
        : Draining ? WorkerCondition.Draining
        : Task.Length > 0 ? WorkerCondition.Busy
        : WorkerCondition.Idle;

    /// <summary>How many of <paramref name="workers"/> are in each condition (every condition listed, 0 included): the API's overview and /metrics.</summary>
    public static IReadOnlyDictionary<WorkerCondition, int> CountByCondition(IEnumerable<WorkerStatus> workers, DateTimeOffset now, TimeSpan silentAfter)
    {
        var counts = Enum.GetValues<WorkerCondition>().ToDictionary(c => c, _ => 0);
        foreach (var worker in workers)
        {
            counts[worker.Condition(now, silentAfter)]++;
        }

        return counts;
    }

    /// <summary>What the workers that are not lost cost per hour at their rates: a rented or powered GPU costs whether it renders or waits.</summary>
    public static decimal CostPerHour(IEnumerable<WorkerStatus> workers, DateTimeOffset now, TimeSpan silentAfter) =>
        workers.Where(w => w.Condition(now, silentAfter) != WorkerCondition.Lost).Sum(w => w.HourlyCost ?? 0);
}

/// <summary>A worker's condition (see <see cref="WorkerStatus.Condition"/>).</summary>
public enum WorkerCondition
{
    /// <summary>Rendering a task.</summary>
    Busy,

    /// <summary>Beating, waiting for a task.</summary>
    Idle,

    /// <summary>Drained: finishing what it holds, taking nothing new.</summary>
    Draining,

    /// <summary>No heartbeat for longer than <see cref="WorkerStatus.SilentAfter"/>: killed, hung or cut off.</summary>
    Lost,
}

/// <summary>A rendered frame of a job: when it took how long, and who rendered it.</summary>
public sealed record FrameRecord(int Frame, TimeSpan Render, string Worker);

/// <summary>
/// One finished attempt from the <see cref="FarmKeys.Events"/> stream: done, failed or released,
/// how long its worker held it, its cost, its GPU flags, and the render time of each frame it
/// was the first to record.
/// </summary>
public sealed record FarmEvent(string Id, string Outcome, TimeSpan Held, long CostMicros, GpuWarnings Flags, IReadOnlyList<TimeSpan> FrameTimes);
