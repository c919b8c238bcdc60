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

    /// <summary>Set of worker names that ever heartbeated; their task lists are what the reaper scans.</summary>
    public const string Workers = "farm:workers";

    public static string Job(string jobId) => "job:" + jobId;

    /// <summary>Hash frame → "milliseconds|worker" of each frame rendered; one entry per frame, whoever rendered it.</summary>
    public static string JobFrames(string jobId) => "job:" + jobId + ":frames";

    /// <summary>List of the job's task ids, in frame order.</summary>
    public static string JobTasks(string jobId) => "farm:job:" + jobId + ":tasks";

    public static string Task(string taskId) => "farm:task:" + taskId;

    /// <summary>What every task queue's key starts with (one queue per <see cref="Priority"/>).</summary>
    public const string QueuePrefix = "farm:queue:";

    public static string Queue(Priority priority) => QueuePrefix + priority.ToString().ToLowerInvariant();

    public static string Lease(string taskId) => "farm:lease:" + taskId;

    public static string Worker(string worker) => "farm:worker:" + worker;

    /// <summary>The tasks a worker holds: moved here atomically from a queue, so a dead worker's task is never lost.</summary>
    public static string WorkerTasks(string worker) => "farm:worker:" + worker + ":tasks";

    /// <summary>Seed jobs a worker is taking in (moved here from queue:blender until they are submitted).</summary>
    public static string WorkerIntake(string worker) => "farm:worker:" + worker + ":intake";

    /// <summary>Measured render time of a scene (by content hash): fields seconds and frames.</summary>
    public static string Scene(string sha256) => "farm:scene:" + sha256;
}
