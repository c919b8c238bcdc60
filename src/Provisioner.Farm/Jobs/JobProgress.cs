namespace Provisioner.Farm.Jobs;

/// <summary>Progress figures of a job for <c>farm status</c>: computed from its status and the frames' times, no clock of its own.</summary>
public sealed record JobProgress(double Fraction, TimeSpan? Eta, TimeSpan? MeanFrame, TimeSpan? MedianFrame, TimeSpan? SlowestFrame)
{
    /// <summary>
    /// ETA from the job's own pace: wall time since it started over frames done, times frames
    /// left (so it already accounts for how many workers are on it).
    /// </summary>
    public static JobProgress Of(Queue.JobStatus job, IReadOnlyList<Queue.FrameRecord> frames, DateTimeOffset now)
    {
        var fraction = job.FramesTotal == 0 ? 0 : (double)job.FramesDone / job.FramesTotal;
        TimeSpan? eta = null;
        if (job.Status == "running" && job.Started is { } started && job.FramesDone > 0)
        {
            var perFrame = (now - started) / job.FramesDone;
            eta = perFrame * (job.FramesTotal - job.FramesDone - job.FramesFailed);
        }

        if (frames.Count == 0)
        {
            return new JobProgress(fraction, eta, null, null, null);
        }

        var sorted = frames.Select(f => f.Render).Order().ToArray();
        var mean = TimeSpan.FromTicks((long)sorted.Average(t => t.Ticks));
        return new JobProgress(fraction, eta, mean, sorted[sorted.Length / 2], sorted[^1]);
    }
}
