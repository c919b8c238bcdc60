using System.Globalization;
using System.Text.RegularExpressions;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// What Blender printed, read line by line: each frame it saved (<c>Saved: 'PATH'</c>, followed by
/// <c> Time: 00:01.23 (Saving: 00:00.01)</c>) and its errors (<c>Error: …</c>).
/// </summary>
public sealed partial class BlenderLog
{
    private readonly List<SavedFrame> saved = [];
    private readonly List<string> errors = [];
    private readonly List<string> missing = [];
    private readonly Queue<string> tail = new();
    private string? pendingPath;

    public IReadOnlyList<SavedFrame> Saved => saved;

    public IReadOnlyList<string> Errors => errors;

    /// <summary>The external files the scene names and this machine lacks (<see cref="MissingFiles"/>'s report), before any frame.</summary>
    public IReadOnlyList<string> Missing => missing;

    /// <summary>The last lines, for an error report when Blender failed without an Error: line.</summary>
    public IReadOnlyList<string> Tail => [.. tail];

    public void Add(string line)
    {
        if (!line.StartsWith("Fra:", StringComparison.Ordinal))
        {
            tail.Enqueue(line);
            if (tail.Count > 12)
            {
                tail.Dequeue();
            }
        }

        if (line.StartsWith(MissingFiles.Marker, StringComparison.Ordinal))
        {
            missing.Add(line[MissingFiles.Marker.Length..]);
            return;
        }

        var savedMatch = SavedLine().Match(line);
        if (savedMatch.Success)
        {
            pendingPath = savedMatch.Groups["path"].Value;
            return;
        }

        var timeMatch = TimeLine().Match(line);
        if (timeMatch.Success && pendingPath is not null)
        {
            saved.Add(new SavedFrame(pendingPath, ParseTime(timeMatch)));
            pendingPath = null;
            return;
        }

        if (line.StartsWith("Error:", StringComparison.Ordinal) || line.StartsWith("ERROR", StringComparison.Ordinal))
        {
            errors.Add(line.Trim());
        }
    }

    /// <summary>The best one-line account of a failure: Blender's errors, else its last words.</summary>
    public string Explain(int exitCode) =>
        missing.Count > 0 && exitCode == MissingFiles.ExitCode
            ? MissingFiles.Explain(missing)
            : errors.Count > 0
            ? "Blender: " + string.Join("; ", errors.Distinct())
            : $"Blender exited with {exitCode}: " + string.Join(" / ", tail.Where(l => l.Trim().Length > 0).TakeLast(3));

    private static TimeSpan ParseTime(Match match)
    {
        var hours = match.Groups["h"].Success ? int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
        var minutes = int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture);
        var seconds = double.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture);
        return TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds);
    }

    [GeneratedRegex("^Saved: '(?<path>.+)'$")]
    private static partial Regex SavedLine();

    [GeneratedRegex(@"^\s*Time: (?:(?<h>\d+):)?(?<m>\d+):(?<s>\d+(?:\.\d+)?)")]
    private static partial Regex TimeLine();
}

/// <summary>A frame file Blender reported as saved, and the time it reported for the frame.</summary>
public sealed record SavedFrame(string Path, TimeSpan Time);
