using System.Text;
using Provisioner.Core.Rendering;

namespace Provisioner.Cli.Output;

/// <summary>
/// Writes a render into a directory all at once: into a fresh sibling directory first, then
/// swapped in, so a reader never sees half a render and files of removed hosts do not linger.
/// A directory that is not an earlier render is never replaced.
/// </summary>
public static class ArtifactWriter
{
    public const string Marker = ".provision-render";

    public static string? Write(string directory, IReadOnlyList<Artifact> artifacts)
    {
        var target = Path.GetFullPath(directory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, Marker)))
        {
            return $"'{directory}' exists and is not the output of an earlier 'provision render'; choose an empty or new directory";
        }

        var staging = target.TrimEnd('/') + ".provision-tmp";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        foreach (var dir in artifacts.Select(a => Path.GetDirectoryName(a.RelativePath)).Distinct())
        {
            Directory.CreateDirectory(Path.Combine(staging, dir ?? ""));
        }

        Parallel.ForEach(artifacts, artifact => File.WriteAllText(Path.Combine(staging, artifact.RelativePath), artifact.Content, utf8));
        File.WriteAllText(Path.Combine(staging, Marker), "Written by 'provision render'; this directory is replaced whole on the next render.\n", utf8);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.Move(staging, target);
        return null;
    }
}
