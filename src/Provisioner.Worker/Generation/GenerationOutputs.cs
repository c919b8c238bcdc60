using Provisioner.Farm.Jobs;
using Provisioner.Worker.Rendering;

namespace Provisioner.Worker.Generation;

/// <summary>
/// Whether a generation task made what its job declared: for every expected pattern at least
/// items × per-item matching files in the batch folder (or below), and every image among them
/// whole (.png, .jpg/.jpeg, .exr decode as frames do). A script that exits 0 having written
/// nothing, or a truncated image, fails the task.
/// </summary>
public static class GenerationOutputs
{
    /// <summary>Null when the outputs are all there and whole; otherwise what is missing or broken (at most a few files named).</summary>
    public static string? Problem(string directory, IReadOnlyList<ExpectedOutput> expected, int items)
    {
        var files = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
            : [];
        var problems = new List<string>();
        foreach (var expect in expected)
        {
            var matches = files.Where(f => expect.Matches(Path.GetFileName(f))).ToArray();
            var wanted = items * expect.PerItem;
            if (matches.Length < wanted)
            {
                problems.Add($"expected {wanted} files matching '{expect.Pattern}' ({expect.PerItem} per item × {items} items), found {matches.Length}");
                continue;
            }

            var broken = matches
                .Select(f => (File: f, Problem: ImageProblem(f)))
                .Where(p => p.Problem is not null)
                .Select(p => $"{Path.GetRelativePath(directory, p.File)}: {p.Problem}")
                .ToArray();
            problems.AddRange(broken.Take(3));
            if (broken.Length > 3)
            {
                problems.Add($"and {broken.Length - 3} more broken '{expect.Pattern}' files");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>An image is checked to decode by its extension; any other file must not be empty.</summary>
    private static string? ImageProblem(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => FrameCheck.Problem(path, FrameFormats.Png),
        ".jpg" or ".jpeg" => FrameCheck.Problem(path, FrameFormats.Jpeg),
        ".exr" => FrameCheck.Problem(path, FrameFormats.OpenExr),
        _ => new FileInfo(path).Length == 0 ? "empty" : null,
    };
}
