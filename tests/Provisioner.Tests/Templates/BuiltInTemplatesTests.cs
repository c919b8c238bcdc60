using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Runbook;
using Provisioner.Core.Templates;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Templates;

/// <summary>
/// The templates compiled into Provisioner.Core (for the single-file release binary, which has no
/// templates/ beside it) are every file under templates/, byte for byte, and render the same.
/// </summary>
public sealed class BuiltInTemplatesTests
{
    [Fact]
    public void EveryTemplateFile_IsInTheAssembly_ByteForByte()
    {
        var root = Repo.Path("templates");
        var files = Directory.GetFiles(root, "*.sbn", SearchOption.AllDirectories);
        Assert.True(files.Length >= 20, $"only {files.Length} templates found under {root}");
        Assert.All(files, file => Assert.Equal(File.ReadAllText(file), BuiltInTemplates.Read(Path.GetRelativePath(root, file))));
        Assert.Null(BuiltInTemplates.Read("host/no-such-template.sbn"));
    }

    [Fact]
    public void WithNoTemplatesDirectory_TheBuiltInOnesRenderTheSameBytes()
    {
        using var empty = new TempDirectory();
        var inventory = Repo.Path("inventories", "example.yaml");
        var load = InventoryLoader.LoadFile(inventory);
        using var fromDisk = new TemplateLibrary(Repo.Templates);
        using var fromAssembly = new TemplateLibrary(Path.Combine(empty.Path, "templates"));

        Assert.Equal(Rendered(load.Inventory!, inventory, fromDisk), Rendered(load.Inventory!, inventory, fromAssembly));
    }

    /// <summary>Every host file, every VM's seed documents and each host's runbook, by path.</summary>
    private static List<(string Path, string Content)> Rendered(Core.Inventory.Model.Inventory inventory, string path, TemplateLibrary templates)
    {
        var (hosts, errors) = DesiredStateBuilder.Build(inventory, templates);
        Assert.Empty(errors);
        return hosts.SelectMany(h => h.Files.Concat(h.Vms.SelectMany(VmFiles.Seed)).Select(f => (f.Path, f.Content))
                .Append(("runbook " + h.Host.Name, RunbookBuilder.Render(RunbookBuilder.View(h, path), templates))))
            .ToList();
    }
}
