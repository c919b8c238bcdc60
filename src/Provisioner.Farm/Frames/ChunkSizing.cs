namespace Provisioner.Farm.Frames;

/// <summary>
/// How many frames go into one task. Blender costs seconds to start and load a scene, so tiny
/// tasks waste workers on start-up, and huge ones leave workers idle at the end of a job and lose
/// more work when a worker dies. Given a target task runtime and the measured frame time of the
/// same scene (by content hash), a task holds about that many seconds of frames.
/// </summary>
public static class ChunkSizing
{
    /// <summary>Frames per task when nothing was measured yet and no size was asked for.</summary>
    public const int DefaultChunk = 5;

    /// <summary>
    /// Frames per task for a target runtime; <see cref="DefaultChunk"/> without a measurement.
    /// Never so large that the job has fewer tasks than there are live workers: every worker
    /// should get a share.
    /// </summary>
    public static int ForTarget(TimeSpan target, double? secondsPerFrame, int frameCount, int liveWorkers)
    {
        var size = secondsPerFrame is > 0
            ? (int)Math.Clamp(Math.Round(target.TotalSeconds / secondsPerFrame.Value), 1, 10_000)
            : DefaultChunk;
        if (liveWorkers > 0 && frameCount > 0)
        {
            size = Math.Min(size, (frameCount + liveWorkers - 1) / liveWorkers);
        }

        return Math.Max(1, size);
    }

    /// <summary>Most items one generation task makes when the user does not say: a lost worker redoes at most this many.</summary>
    public const int MaxItemsPerTask = 100;

    /// <summary>
    /// Items per task of a generation job (seed 002 gives each of N processes count/N items): a
    /// whole number of rounds over the live workers, so none sits idle at the end, with tasks of at
    /// most <see cref="MaxItemsPerTask"/> items.
    /// </summary>
    public static int ForItems(int count, int liveWorkers)
    {
        var workers = Math.Max(1, liveWorkers);
        var rounds = (count + (workers * MaxItemsPerTask) - 1) / (workers * MaxItemsPerTask);
        return Math.Max(1, (count + (workers * rounds) - 1) / (workers * rounds));
    }
}
