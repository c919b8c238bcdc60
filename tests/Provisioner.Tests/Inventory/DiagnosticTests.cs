using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Inventory;

public sealed class DiagnosticTests
{
    [Fact]
    public void Catalogue_CodesAreUniqueAndSequential()
    {
        var codes = DiagnosticCodes.All.Select(d => d.Code).ToList();

        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^PRV[0-9]{3}$", c));
        // Sequential: PRV001 up to the newest, none skipped (a code is never reused, so none is ever freed).
        Assert.Equal(Enumerable.Range(1, codes.Count).Select(n => $"PRV{n:D3}"), codes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Docs_ListEveryCode()
    {
        var docs = File.ReadAllText(Repo.Path("docs", "diagnostics.md"));

        Assert.All(DiagnosticCodes.All, d => Assert.Contains("| " + d.Code + " |", docs, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadFile_Missing_ReportsPrv007()
    {
        var result = InventoryLoader.LoadFile("/nonexistent/inventory.yaml");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PRV007", diagnostic.Code);
        Assert.Equal("/nonexistent/inventory.yaml", diagnostic.Location!.File);
    }

    [Fact]
    public async Task Validate_TemplateWithUnknownVariable_ReportsPrv040AtTheTemplateLine()
    {
        using var dir = new TempDirectory();
        var path = ExampleWithOverride(dir, "host/blacklist-nouveau.conf.sbn", "# ok line\nblacklist {{ host.driver_to_block }}\n");

        var result = await CliRunner.RunAsync("validate", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.Combine(dir.Path, "overrides/host/blacklist-nouveau.conf.sbn") + ":2:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("error PRV040", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("1 error(s)", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TemplateOverride_ReplacesTheBuiltInTemplate()
    {
        using var dir = new TempDirectory();
        var path = ExampleWithOverride(dir, "host/blacklist-nouveau.conf.sbn", "blacklist nouveau # site policy for {{ host.name }}\n");

        var hosts = Rendered.Hosts(path);

        var file = Assert.Single(hosts[0].Files, f => f.Path == "/etc/modprobe.d/blacklist-nouveau.conf");
        Assert.Equal("blacklist nouveau # site policy for hk-gpu-01\n", file.Content);
    }

    /// <summary>The example inventory with one template overridden from a directory beside it.</summary>
    private static string ExampleWithOverride(TempDirectory dir, string template, string content)
    {
        dir.File("overrides/" + template, content);
        var inventory = File.ReadAllText(Repo.Path("inventories", "example.yaml")).Replace("version: 1", "version: 1\ntemplates: overrides", StringComparison.Ordinal);
        return dir.File("inventory.yaml", inventory);
    }
}
