using Provisioner.Farm.Queue;

namespace Provisioner.Service;

/// <summary>A job as the API shows it: what `provision farm status` prints, as fields.</summary>
public sealed record JobView(
    string Id,
    string Status,
    int Progress,
    string Src,
    string Frames,
    string Output,
    string Priority,
    string Pool,
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
    public static JobView Of(JobStatus job) => new(
        job.Spec.Id,
        job.Status,
        job.FramesTotal == 0 ? 0 : (int)(100L * job.FramesDone / job.FramesTotal),
        job.Spec.Src,
        job.Spec.Frames,
        job.Spec.Output,
        job.Spec.Priority.ToString().ToLowerInvariant(),
        job.Spec.Pool,
        job.FramesTotal,
        job.FramesDone,
        job.FramesFailed,
        job.TasksTotal,
        job.TasksDone,
        job.Submitted,
        job.Started,
        job.Finished,
        job.Error,
        job.LastError);
}
