using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Planning;
using Provisioner.Core.Runbook;
using Provisioner.Core.Templates;
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
        var plan = HostPlanner.PlanOffline(relative, Rendered.Hosts(inventory));
        using var text = new StringWriter();
        PlanTextWriter.Write(plan, text, showContent: true);

        Golden.AssertMatches(Path.Combine(GoldenDirectory(inventory), "plan.txt"), text.ToString());
        Golden.AssertMatches(Path.Combine(GoldenDirectory(inventory), "plan.json"), PlanJsonWriter.ToJson(plan));
    }

    [Fact]
    public void Render_EveryTemplate_IsExercisedByTheFixtures()
    {
        // One library renders every fixture host (files, VM documents, worker payload) and each
        // host's runbook: what it parsed is what the fixtures really exercise.
        using var templates = new TemplateLibrary(Repo.Templates);
        foreach (var inventory in Rendered.FixtureInventories)
        {
            var load = InventoryLoader.LoadFile(inventory);
            var (hosts, errors) = DesiredStateBuilder.Build(load.Inventory!, templates);
            Assert.Empty(errors);
            foreach (var host in hosts)
            {
                RunbookBuilder.Render(RunbookBuilder.View(host, inventory), templates);
            }
        }

        // Partials ('_' prefix) are rendered through the templates that include them.
        var all = Directory.GetFiles(Repo.Templates, "*.sbn", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('_'))
            .Select(f => Path.GetRelativePath(Repo.Templates, f).Replace('\\', '/'));

        Assert.Empty(all.Except(templates.Used, StringComparer.Ordinal));
    }

    [Fact]
    public void Docs_TemplatesMd_NamesEveryTemplateAndEveryViewField()
    {
        var docs = File.ReadAllText(Repo.Path("docs", "templates.md"));
        var views = typeof(Core.Templates.Views.HostView).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Core.Templates.Views.HostView).Namespace && t.IsClass && !t.IsAbstract && t.Name != "ViewFactory");

        foreach (var view in views)
        {
            foreach (var property in view.GetProperties().Where(p => p.Name != "EqualityContract"))
            {
                var key = Core.Inventory.Binding.KeyNames.SnakeCase(property.Name);
                Assert.True(docs.Contains("." + key + "`", StringComparison.Ordinal), $"docs/templates.md does not document {view.Name}.{key}");
            }
        }

        foreach (var template in Directory.GetFiles(Repo.Templates, "*.sbn", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(template);
            var stem = name.Split('-')[0];
            Assert.True(docs.Contains(name, StringComparison.Ordinal) || docs.Contains(Path.GetRelativePath(Repo.Templates, Path.GetDirectoryName(template)!) + "/" + stem, StringComparison.Ordinal),
                $"docs/templates.md does not mention {name}");
        }
    }

    private static string GoldenDirectory(string inventory) =>
        Path.Combine(Repo.Fixtures, "golden", Path.GetFileNameWithoutExtension(inventory));
}
