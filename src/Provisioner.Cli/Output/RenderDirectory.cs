using System.Text;
using Provisioner.Core.Rendering;

namespace Provisioner.Cli.Output;

/// <summary>
/// The output directory of `provision render`, written all at once: artifacts go into a fresh
/// sibling staging directory as hosts finish, and <see cref="Commit"/> swaps it in. Disposed
/// without a commit (an error mid-render), the staging directory is deleted and the old output
/// stays as it was. A directory that is not an earlier render is never replaced.
/// </summary>
public sealed class RenderDirectory : IDisposable
{
    public const string Marker = ".provision-render";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly string _target;
    private readonly string _staging;
    private int _files;
    private bool _committed;

    private RenderDirectory(string target, string staging)
    {
        _target = target;
        _staging = staging;
    }

    public int FileCount => _files;

    /// <summary>Opens a staging directory for <paramref name="directory"/>, or says why it must not be replaced.</summary>
    public static (RenderDirectory? Directory, string? Problem) Open(string directory)
    {
        var shown = Core.Text.Printable.Value(directory);
        if (string.IsNullOrWhiteSpace(directory))
        {
            return (null, "-o needs a directory to write into");
        }

        var target = Path.GetFullPath(directory).TrimEnd('/');
        if (File.Exists(target))
        {
            return (null, $"-o '{shown}' is a file, not a directory");
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, Marker)))
        {
            return (null, $"'{shown}' exists and is not the output of an earlier 'provision render'; choose an empty or new directory");
        }

        // A staging directory of our own, beside the target (so the final move is a rename): a
        // new name each run, so nothing that already exists there is ever deleted.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var staging = $"{target}.provision-tmp-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
            if (!Directory.Exists(staging) && !File.Exists(staging))
            {
                try
                {
                    Directory.CreateDirectory(staging);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The OS's reason, about the path the user gave (not our staging name).
                    return (null, $"-o '{shown}': cannot create it: " + Core.Text.Printable.Escape(e.Message.Replace(staging, target, StringComparison.Ordinal)));
                }

                return (new RenderDirectory(target, staging), null);
            }
        }

        return (null, $"no free name for a staging directory beside '{shown}'");
    }

    /// <summary>Writes one host's artifacts; safe to call from several threads at once.</summary>
    public void Write(IReadOnlyList<Artifact> artifacts)
    {
        foreach (var artifact in artifacts)
        {
            var path = Path.Combine(_staging, artifact.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, artifact.Content, Utf8);
        }

        Interlocked.Add(ref _files, artifacts.Count);
    }

    public void Commit()
    {
        File.WriteAllText(Path.Combine(_staging, Marker), "Written by 'provision render'; this directory is replaced whole on the next render.\n", Utf8);
        if (Directory.Exists(_target))
        {
            Directory.Delete(_target, recursive: true);
        }

        Directory.Move(_staging, _target);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true);
        }
    }
}
