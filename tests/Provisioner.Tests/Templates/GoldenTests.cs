using Provisioner.Core.Planning;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Templates;

/// <summary>
/// Every artifact of every template, for every fixture host, against a reviewed golden file
/// beside the fixtures (Fixtures/golden/FIXTURE/...). PROVISION_UPDATE_GOLDEN=1 rewrites them.
/// </summary>
public sealed class GoldenTests
{
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var fixture in Rendered.FixtureInventories)
        {
            data.Add(fixture);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Render_Fixture_MatchesGoldenFiles(string inventory)
    {
        var goldenDir = GoldenDirectory(inventory);
        var artifacts = Rendered.Artifacts(inventory);

        var failures = new List<string>();
        foreach (var artifact in artifacts)
        {
            try
            {
                Golden.AssertMatches(Path.Combine(goldenDir, "render", artifact.RelativePath), artifact.Content);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                failures.Add(e.Message);
            }
        }

        Golden.AssertNoStaleFiles(Path.Combine(goldenDir, "render"), artifacts.Select(a => a.RelativePath));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void PlanOffline_Fixture_MatchesGoldenTextAndJson(string inventory)
    {
        var relative = Path.GetRelativePath(Repo.Root, inventory);
        var plan = Planner.PlanOffline(relative, Rendered.Hosts(inventory));
        using var text = new StringWriter();
        PlanTextWriter.Write(plan, text, showContent: true);

        Golden.AssertMatches(Path.Combine(GoldenDirectory(inventory), "plan.txt"), text.ToString());
        Golden.AssertMatches(Path.Combine(GoldenDirectory(inventory), "plan.json"), PlanJsonWriter.ToJson(plan));
    }

    [Fact]
    public void Render_EveryTemplate_IsExercisedByTheFixtures()
    {
        var used = Rendered.FixtureInventories.SelectMany(Rendered.Hosts)
            .SelectMany(h => h.Files.Select(f => f.Template))
            .Concat(["vm/domain.xml.sbn", "vm/user-data.sbn", "vm/meta-data.sbn", "vm/network-config.sbn", "worker/provision-worker.service.sbn", "worker/worker.env.sbn"])
            .ToHashSet(StringComparer.Ordinal);
        var all = Directory.GetFiles(Repo.Templates, "*.sbn", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.Templates, f).Replace('\\', '/'));

        Assert.DoesNotContain(all, t => !used.Contains(t));
    }

    private static string GoldenDirectory(string inventory) =>
        Path.Combine(Repo.Fixtures, "golden", Path.GetFileNameWithoutExtension(inventory));
}
