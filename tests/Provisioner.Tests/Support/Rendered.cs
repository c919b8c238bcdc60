using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Rendering;
using Provisioner.Core.Templates;

namespace Provisioner.Tests.Support;

/// <summary>Loads a fixture inventory and renders it with the repository's templates.</summary>
public static class Rendered
{
    /// <summary>Every host's desired state; <paramref name="paths"/> moves where VM files go (default: the real host paths).</summary>
    public static IReadOnlyList<HostDesiredState> Hosts(string inventoryPath, HostPaths? paths = null)
    {
        var load = InventoryLoader.LoadFile(inventoryPath);
        Assert.True(load.Succeeded, string.Join("\n", load.Diagnostics));
        using var templates = new TemplateLibrary(Repo.Templates, load.Inventory!.TemplatesDirectory);
        var (hosts, errors) = DesiredStateBuilder.Build(load.Inventory, templates, paths);
        Assert.Empty(errors);
        return hosts;
    }

    public static IReadOnlyList<Artifact> Artifacts(string inventoryPath) => [.. Hosts(inventoryPath).SelectMany(ArtifactTree.For)];

    /// <summary>The fixtures every template is rendered for: the example fleet and the one-host-per-OS test fleet.</summary>
    public static IEnumerable<string> FixtureInventories =>
        [Repo.Path("inventories", "example.yaml"), System.IO.Path.Combine(Repo.Fixtures, "fleet.yaml")];
}
