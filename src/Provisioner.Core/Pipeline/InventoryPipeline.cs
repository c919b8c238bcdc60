using Provisioner.Core.Templates;

namespace Provisioner.Core.Pipeline;

/// <summary>What every command needs between loading an inventory and rendering it.</summary>
public static class InventoryPipeline
{
    /// <summary>The built-in templates, overridden by the inventory's own directory if it names one.</summary>
    public static TemplateLibrary TemplatesFor(Inventory.Model.Inventory inventory, string? builtInTemplates = null) =>
        new(builtInTemplates ?? TemplateLibrary.DefaultDirectory, inventory.TemplatesDirectory);
}
