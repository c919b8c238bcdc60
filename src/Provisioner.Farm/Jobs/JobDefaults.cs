using System.Globalization;

namespace Provisioner.Farm.Jobs;

/// <summary>What a submitted job gets when the user leaves it out: its id from the scene's name and the time, its output beside the scene.</summary>
public static class JobDefaults
{
    /// <summary>The scene file's stem (letters, digits, '-', '_'; at most 40) and the UTC time: "shot-20261201-101010".</summary>
    public static string Id(string src, DateTimeOffset now)
    {
        var name = Path.IsPathRooted(src) ? src : new Uri(src).AbsolutePath;
        var stem = new string(Path.GetFileNameWithoutExtension(name)
            .Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray()).Trim('-');
        var stamp = now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        return (stem.Length == 0 ? "job" : stem[..Math.Min(stem.Length, 40)]) + "-" + stamp;
    }

    /// <summary>Beside a scene on shared storage; none for a URL (the workers' output location must be said).</summary>
    public static string? Output(string src, string jobId) =>
        Path.IsPathRooted(src) ? Path.Combine(Path.GetDirectoryName(src)!, jobId) : null;
}
