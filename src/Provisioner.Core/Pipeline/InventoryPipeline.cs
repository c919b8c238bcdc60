using Provisioner.Core.Desired;
using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Templates;

namespace Provisioner.Core.Pipeline;

/// <summary>The stages every command starts with: load + validate, then desired state. Stops at the first stage with errors.</summary>
public static class InventoryPipeline
{
    public static PipelineResult Run(string inventoryPath, string? builtInTemplates = null)
    {
        var load = InventoryLoader.LoadFile(inventoryPath);
        if (load.Inventory is null)
        {
            return new PipelineResult(null, [], load.Diagnostics);
        }

        using var templates = TemplatesFor(load.Inventory, builtInTemplates);
        var (hosts, errors) = DesiredStateBuilder.Build(load.Inventory, templates);
        return new PipelineResult(load.Inventory, hosts, [.. load.Diagnostics, .. errors]);
    }

    /// <summary>The built-in templates, overridden by the inventory's own directory if it names one.</summary>
    public static TemplateLibrary TemplatesFor(Inventory.Model.Inventory inventory, string? builtInTemplates = null) =>
        new(builtInTemplates ?? TemplateLibrary.DefaultDirectory, inventory.TemplatesDirectory);
}

public sealed record PipelineResult(Inventory.Model.Inventory? Inventory, IReadOnlyList<HostDesiredState> Hosts, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Succeeded => Inventory is not null && !Diagnostics.Any(d => d.IsError);
}
