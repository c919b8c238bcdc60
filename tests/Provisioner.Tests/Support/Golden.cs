namespace Provisioner.Tests.Support;

/// <summary>
/// A tiny golden-file helper: compares text with a committed file. Set PROVISION_UPDATE_GOLDEN=1
/// to rewrite the files instead; then read the diff like code before committing it.
/// </summary>
public static class Golden
{
    public static bool Updating => Environment.GetEnvironmentVariable("PROVISION_UPDATE_GOLDEN") == "1";

    public static void AssertMatches(string goldenPath, string actual)
    {
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(goldenPath)!);
            File.WriteAllText(goldenPath, actual);
            return;
        }

        Assert.True(File.Exists(goldenPath), $"golden file {goldenPath} is missing; run the tests with PROVISION_UPDATE_GOLDEN=1 and review the new file");
        var expected = File.ReadAllText(goldenPath);
        if (expected != actual)
        {
            var expectedLines = expected.Split('\n');
            var actualLines = actual.Split('\n');
            var first = Enumerable.Range(0, Math.Min(expectedLines.Length, actualLines.Length)).FirstOrDefault(i => expectedLines[i] != actualLines[i], Math.Min(expectedLines.Length, actualLines.Length));
            Assert.Fail($"{goldenPath} differs at line {first + 1}:\n  golden: {Line(expectedLines, first)}\n  actual: {Line(actualLines, first)}\n(PROVISION_UPDATE_GOLDEN=1 rewrites golden files)");
        }
    }

    /// <summary>Golden files no longer produced are stale: report them so they get deleted.</summary>
    public static void AssertNoStaleFiles(string goldenDirectory, IEnumerable<string> producedRelativePaths)
    {
        var produced = producedRelativePaths.ToHashSet(StringComparer.Ordinal);
        var stale = Directory.Exists(goldenDirectory)
            ? Directory.EnumerateFiles(goldenDirectory, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(goldenDirectory, f).Replace('\\', '/'))
                .Where(f => !produced.Contains(f)).ToList()
            : [];
        if (Updating)
        {
            stale.ForEach(f => File.Delete(Path.Combine(goldenDirectory, f)));
            return;
        }

        Assert.True(stale.Count == 0, "stale golden files: " + string.Join(", ", stale));
    }

    private static string Line(string[] lines, int index) => index < lines.Length ? lines[index] : "(end of file)";
}
