using Provisioner.Farm.Queue;

namespace Provisioner.Farm.Jobs;

/// <summary>
/// A job as `provision farm status --json` and the service's API show it: its spec, its figures
/// and its pace. One model for both, so the terminal and the browser never disagree.
/// </summary>
public sealed record JobReport(
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
    string LastError,
    double? EtaSeconds,
    double? MeanFrameSeconds,
    double GpuSeconds,
    decimal Cost,
    decimal? CostPerFrame,
    IReadOnlyDictionary<string, int> Flagged,
    string LastWarning,
    IEnumerable<JobReport.RenderedFrame>? Frames)
{
    /// <summary>One rendered frame: how long Blender took, and which worker.</summary>
    public sealed record RenderedFrame(int Frame, double Seconds, string Worker)
    {
        public static RenderedFrame Of(FrameRecord frame) => new(frame.Frame, frame.Render.TotalSeconds, frame.Worker);
    }

    /// <summary>The report at <paramref name="now"/>; <paramref name="frames"/> (when read) gives the pace and is listed.</summary>
    public static JobReport Of(JobStatus job, IReadOnlyList<FrameRecord>? frames, DateTimeOffset now)
    {
        var progress = JobProgress.Of(job, frames ?? [], now);
        return new JobReport(job.Spec, job.Status, job.FramesTotal, job.FramesDone, job.FramesFailed, job.TasksTotal, job.TasksDone,
            job.Submitted, job.Started, job.Finished, job.Error, job.LastError, progress.Eta?.TotalSeconds, progress.MeanFrame?.TotalSeconds,
            job.GpuTime.TotalSeconds, CostOf(job.CostMicros), job.FramesDone > 0 ? CostOf(job.CostMicros / job.FramesDone) : null,
            job.Flagged, job.LastWarning, frames?.Select(RenderedFrame.Of));
    }

    /// <summary>Millionths to the inventory's currency unit, to the millionth.</summary>
    public static decimal CostOf(long micros) => micros / 1_000_000m;
}
