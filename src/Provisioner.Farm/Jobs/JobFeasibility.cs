using Provisioner.Farm.Queue;

namespace Provisioner.Farm.Jobs;

/// <summary>
/// Submit's check of a job against the farm as it is: a setting that a live worker's Blender lacks
/// (a denoiser, a frame format) is refused with that worker's reason. Any worker may take any
/// task, so one worker that cannot would fail every task it takes. Workers that do not report
/// their Blender (or are lost) are not held against the job; they refuse such a task themselves.
/// </summary>
public static class JobFeasibility
{
    /// <summary>True when <paramref name="job"/> asks for something not every Blender has (only then are the workers read).</summary>
    public static bool NeedsWorkers(JobSpec job) =>
        (job.Denoiser is { } denoiser && denoiser != Denoisers.None) || job.Format is not null || job.Engine is Engines.Eevee or Engines.Workbench;

    /// <summary>Submit's check, for `farm submit` and the service alike: the workers are read only for a job that needs them.</summary>
    public static async Task<string?> ProblemAsync(JobSpec job, FarmReader reader, DateTimeOffset now, TimeSpan silentAfter, CancellationToken cancellationToken) =>
        NeedsWorkers(job) ? Problem(job, await reader.WorkersAsync(cancellationToken).ConfigureAwait(false), now, silentAfter) : null;

    public static string? Problem(JobSpec job, IEnumerable<WorkerStatus> workers, DateTimeOffset now, TimeSpan silentAfter) =>
        workers
            .Where(w => w.Blender is not null && w.Condition(now, silentAfter) != WorkerCondition.Lost)
            .Select(w => w.Blender!.Problem(job, "worker " + w.Name))
            .FirstOrDefault(problem => problem is not null);
}
