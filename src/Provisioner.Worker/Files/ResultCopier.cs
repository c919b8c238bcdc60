using System.Security.Cryptography;

namespace Provisioner.Worker.Files;

/// <summary>
/// Delivers checked frames to the job's output location (often a network share). Each file is
/// written as NAME.part, resumed from what an earlier interrupted copy left, verified against the
/// source's hash, and renamed into place: a reader never sees half a frame, and a frame already
/// delivered with the same content is not copied again.
/// </summary>
public static class ResultCopier
{
    public static async Task CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var expected = await HashAsync(source, cancellationToken).ConfigureAwait(false);
        if (File.Exists(destination) && await HashAsync(destination, cancellationToken).ConfigureAwait(false) == expected)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var partial = destination + ".part";
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await AppendRestAsync(source, partial, cancellationToken).ConfigureAwait(false);
            if (await HashAsync(partial, cancellationToken).ConfigureAwait(false) == expected)
            {
                File.Move(partial, destination, overwrite: true);
                return;
            }

            // The partial copy was not a prefix of this file (another render of the frame): start over.
            File.Delete(partial);
        }

        throw new IOException($"copying {source} to {destination} gave different content twice");
    }

    private static async Task AppendRestAsync(string source, string partial, CancellationToken cancellationToken)
    {
        await using var input = File.OpenRead(source);
        await using var output = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.Write);
        var have = output.Length;
        if (have > input.Length)
        {
            output.SetLength(0);
            have = 0;
        }

        input.Seek(have, SeekOrigin.Begin);
        output.Seek(have, SeekOrigin.Begin);
        await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        output.Flush(flushToDisk: true);
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
