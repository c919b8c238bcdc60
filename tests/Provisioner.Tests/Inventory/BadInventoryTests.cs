using System.Text.RegularExpressions;
using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Inventory;

/// <summary>
/// The corpus in Fixtures/bad: each file names, in '# expect:' lines, exactly the diagnostics
/// (code, line, column, severity) validate must report for it. No more, no fewer.
/// </summary>
public sealed partial class BadInventoryTests
{
    public static TheoryData<string> BadFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Fixtures, "bad"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadInventory_ReportsExactlyTheExpectedDiagnostics(string file)
    {
        var path = Path.Combine(Repo.Fixtures, "bad", file);
        var expected = Expectations(path);
        Assert.NotEmpty(expected);

        var result = InventoryLoader.LoadFile(path);

        var actual = result.Diagnostics
            .Select(d => $"{d.Code} {d.Location!.Line}:{d.Location.Column} {d.Severity.ToString().ToLowerInvariant()}")
            .ToList();
        Assert.Equal(expected, actual);
        Assert.All(result.Diagnostics, d => Assert.Equal(path, d.Location!.File));
        Assert.All(result.Diagnostics, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
        if (expected.Any(e => e.EndsWith(" error", StringComparison.Ordinal)))
        {
            Assert.Null(result.Inventory);
        }
    }

    [Fact]
    public void Corpus_CoversEveryDiagnosticCode()
    {
        var covered = Directory.GetFiles(Path.Combine(Repo.Fixtures, "bad"), "*.yaml")
            .SelectMany(Expectations).Select(e => e.Split(' ')[0]).ToHashSet();
        // PRV007 (unreadable file) and PRV040 (template error) cannot live in a YAML file; DiagnosticTests covers them.
        covered.UnionWith(["PRV007", "PRV040"]);

        var missing = DiagnosticCodes.All.Select(d => d.Code).Where(c => !covered.Contains(c)).ToList();

        Assert.True(missing.Count == 0, "no bad inventory produces: " + string.Join(", ", missing));
        Assert.True(Directory.GetFiles(Path.Combine(Repo.Fixtures, "bad"), "*.yaml").Length >= 30);
    }

    [Fact]
    public void Load_ManyProblems_ReportsAllOfThemInOneRun()
    {
        var result = InventoryLoader.LoadFile(Path.Combine(Repo.Fixtures, "bad", "42-many-problems.yaml"));

        Assert.True(result.Diagnostics.Count >= 6);
        Assert.Contains(result.Diagnostics, d => d.Code == "PRV009" && d.Fix == "did you mean 'el7'?");
    }

    [Fact]
    public void Load_InlineSecret_NeverEchoesTheValue()
    {
        var result = InventoryLoader.LoadFile(Path.Combine(Repo.Fixtures, "bad", "27-inline-secret.yaml"));

        Assert.DoesNotContain(result.Diagnostics, d => d.ToString().Contains("hunter2", StringComparison.Ordinal));
    }

    private static List<string> Expectations(string path) =>
        [.. File.ReadLines(path).Select(l => ExpectLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"^# expect: (PRV\d{3} \d+:\d+ (?:error|warning|info))$")]
    private static partial Regex ExpectLine();
}
