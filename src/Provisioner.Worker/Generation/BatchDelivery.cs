using Provisioner.Worker.Files;

namespace Provisioner.Worker.Generation;

/// <summary>
/// Puts a finished batch on the share as OUTPUT/batch_NNNN/, whole. The script writes straight
/// into a hidden folder of its own attempt beside it (no copy afterwards: a dataset is many small
/// files, and seed 002's scripts write to the share directly too); once the outputs are checked,
/// every file is flushed to disk and the folder is swapped in by rename, so a reader sees the old
/// batch or the new one, never a mix of two attempts nor a file still in the page cache after a
/// power cut. The batch's log goes beside it as OUTPUT/batch_NNNN.log, for failed attempts too.
/// </summary>
public static class BatchDelivery
{
    /// <summary>Where an attempt's script writes: hidden, and its own (two attempts of a task never share one).</summary>
    public static string StagingPath(string outputDirectory, string batch, string attempt) =>
        Path.Combine(outputDirectory, $".{batch}.{attempt}.new");

    /// <summary>A fresh, empty staging folder for the attempt (what an interrupted run of the same attempt left is removed).</summary>
    public static string Prepare(string outputDirectory, string batch, string attempt)
    {
        var staging = StagingPath(outputDirectory, batch, attempt);
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        return staging;
    }

    public static void Publish(string staging, string outputDirectory, string batch, string attempt, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite);
            RandomAccess.FlushToDisk(handle);
        }

        var target = Path.Combine(outputDirectory, batch);
        var old = Path.Combine(outputDirectory, $".{batch}.{attempt}.old");
        if (Directory.Exists(target))
        {
            // A batch delivered before (an earlier attempt that lost its lease): kept until the new one is in place.
            Directory.Move(target, old);
        }

        Directory.Move(staging, target);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>Removes a failed attempt's staging folder (its log stays).</summary>
    public static void Discard(string staging)
    {
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The batch's full log, written whole (temporary name, then renamed).</summary>
    public static Task DeliverLogAsync(string log, string outputDirectory, string batch, CancellationToken cancellationToken) =>
        ResultCopier.CopyAsync(log, Path.Combine(outputDirectory, batch + ".log"), cancellationToken);
}
