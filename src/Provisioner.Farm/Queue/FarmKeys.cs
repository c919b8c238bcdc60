using Provisioner.Farm.Jobs;

namespace Provisioner.Farm.Queue;

/// <summary>
/// Every Redis key the farm uses, in one place (docs/farm.md lists them). The seed's two keys keep
/// their names: <c>queue:blender</c> (seed clients still push jobs there) and <c>job:{id}</c>
/// (the status hash seed clients read).
/// </summary>
public static class FarmKeys
{
    /// <summary>The seed's job list: JSON jobs pushed by older clients, taken in by <see cref="FarmQueue.IntakeSeedJobsAsync"/>.</summary>
    public const string SeedQueue = "queue:blender";

    /// <summary>Sorted set of job ids by submit time (ms).</summary>
    public const string Jobs = "farm:jobs";

    /// <summary>Set of worker names that ever took a task or heartbeated (what <c>farm workers</c> lists).</summary>
    public const string Workers = "farm:workers";

    /// <summary>Sorted set task → lease deadline (ms, Redis's clock): what the reaper reads, cheapest deadline first.</summary>
    public const string Leases = "farm:leases";

    /// <summary>The reaper's lock (SET NX PX): one reaper acts per period, farm-wide.</summary>
    public const string ReaperLock = "farm:reaper";

    /// <summary>
    /// Stream of finished attempts (outcome, held ms, cost, flags, the new frames' render ms), capped
    /// near 10,000 entries: what the service's /metrics histograms are made of.
    /// </summary>
    public const string Events = "farm:events";

    /// <summary>Counter that orders the pools' turns.</summary>
    public const string Turn = "farm:turn";

    /// <summary>Set while a scan for stranded queues ran recently (SET NX EX): one scan per period, farm-wide.</summary>
    public const string StrandedScan = "farm:stranded-scan";

    public static string Job(string jobId) => "job:" + jobId;

    /// <summary>Hash frame → "milliseconds|worker" of each frame rendered; one entry per frame, whoever rendered it.</summary>
    public static string JobFrames(string jobId) => "job:" + jobId + ":frames";

    /// <summary>List of the job's task ids, in frame order.</summary>
    public static string JobTasks(string jobId) => "farm:job:" + jobId + ":tasks";

    public static string Task(string taskId) => "farm:task:" + taskId;

    /// <summary>What every task queue's key starts with (one queue per <see cref="Priority"/> and pool).</summary>
    public const string QueuePrefix = "farm:queue:";

    public static string Queue(Priority priority, string pool) => QueuePrefix + Name(priority) + ":" + pool;

    /// <summary>Sorted set pool → turn of the pools with tasks queued at a priority (the lowest turn is served next).</summary>
    public static string Pools(Priority priority) => "farm:pools:" + Name(priority);

    /// <summary>Set of the job's tasks held by a worker right now: what <c>farm status JOB</c> lists, never every task.</summary>
    public static string JobRunning(string jobId) => "farm:job:" + jobId + ":running";

    public static string Name(Priority priority) => priority.ToString().ToLowerInvariant();

    public static string Worker(string worker) => "farm:worker:" + worker;

    /// <summary>The tasks a worker holds: moved here atomically from a queue, so a dead worker's task is never lost.</summary>
    public static string WorkerTasks(string worker) => "farm:worker:" + worker + ":tasks";

    /// <summary>Seed jobs a worker is taking in (moved here from queue:blender until they are submitted).</summary>
    public static string WorkerIntake(string worker) => "farm:worker:" + worker + ":intake";

    /// <summary>Measured render time of a scene (by content hash): fields seconds and frames.</summary>
    public static string Scene(string sha256) => "farm:scene:" + sha256;
}
