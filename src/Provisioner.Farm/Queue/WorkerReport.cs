namespace Provisioner.Farm.Queue;

/// <summary>
/// A worker as `provision farm workers --json`, the service's API and its dashboard show it: what
/// it last reported and its condition as of the reader's clock. One model for all of them.
/// </summary>
public sealed record WorkerReport(
    string Name,
    WorkerCondition Condition,
    string State,
    bool Draining,
    DateTimeOffset? Heartbeat,
    double? HeartbeatAgeSeconds,
    string Task,
    double? TaskSeconds,
    string Gpu,
    string Host,
    long Frames,
    string LastError)
{
    public static WorkerReport Of(WorkerStatus worker, DateTimeOffset now) => Of(worker, now, WorkerStatus.SilentAfter);

    public static WorkerReport Of(WorkerStatus worker, DateTimeOffset now, TimeSpan silentAfter) => new(
        worker.Name, worker.Condition(now, silentAfter), worker.State, worker.Draining, worker.Heartbeat, (now - worker.Heartbeat)?.TotalSeconds,
        worker.Task, worker.Task.Length > 0 ? (now - worker.TaskSince)?.TotalSeconds : null,
        worker.Gpu, worker.Host, worker.Frames, worker.LastError);
}
