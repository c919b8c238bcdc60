using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;

namespace Provisioner.Farm.Queue;

/// <summary>A task a worker holds under a lease: which frames of which job, and which attempt this is.</summary>
public sealed record TaskLease(string TaskId, JobSpec Job, FrameList Frames, int Attempt);

/// <summary>One rendered frame and how long Blender took for it.</summary>
public sealed record FrameTime(int Frame, TimeSpan Render);

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
    string LastError);

/// <summary>One task of a job, for <c>farm status JOB</c>.</summary>
public sealed record TaskSummary(string TaskId, string Frames, string State, int Attempts, string Worker, string LastError);

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
