using Provisioner.Worker.Files;

namespace Provisioner.Worker.Generation;

/// <summary>
/// Puts a finished batch on the share as OUTPUT/batch_NNNN/, whole: its files are copied (each
/// verified, see <see cref="ResultCopier"/>) into a hidden folder beside it, and only then swapped
/// in by rename, so a reader sees the old batch or the new one, never a mix of two attempts. The
/// batch's log goes beside it as OUTPUT/batch_NNNN.log, for failed attempts too.
/// </summary>
public static class BatchDelivery
{
    public static async Task DeliverAsync(string source, string outputDirectory, string batch, string attempt, CancellationToken cancellationToken)
    {
        var target = Path.Combine(outputDirectory, batch);
        var staging = Path.Combine(outputDirectory, $".{batch}.{attempt}.new");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            await ResultCopier.CopyAsync(file, Path.Combine(staging, Path.GetRelativePath(source, file)), cancellationToken).ConfigureAwait(false);
        }

        Directory.CreateDirectory(staging);
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

    /// <summary>The batch's full log, written whole (temporary name, then renamed).</summary>
    public static Task DeliverLogAsync(string log, string outputDirectory, string batch, CancellationToken cancellationToken) =>
        ResultCopier.CopyAsync(log, Path.Combine(outputDirectory, batch + ".log"), cancellationToken);
}
