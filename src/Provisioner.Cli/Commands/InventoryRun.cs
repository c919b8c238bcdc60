using Provisioner.Cli.Output;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Pipeline;

namespace Provisioner.Cli.Commands;

/// <summary>
/// What validate, plan and render share: load the inventory, render every host (each handed to
/// <c>consume</c> as soon as it is done, so no command keeps a large fleet in memory unless it
/// wants to), and print every diagnostic once. Returns the inventory, or null after any error.
/// </summary>
internal static class InventoryRun
{
    public static Core.Inventory.Model.Inventory? Run(string path, CliIo io, Action<int, HostDesiredState> consume)
    {
        var load = InventoryLoader.LoadFile(path);
        if (load.Inventory is null)
        {
            DiagnosticPrinter.Print(load.Diagnostics, io.Error);
            return null;
        }

        using var templates = InventoryPipeline.TemplatesFor(load.Inventory);
        var errors = DesiredStateBuilder.BuildEach(load.Inventory, templates, consume);
        DiagnosticPrinter.Print([.. load.Diagnostics, .. errors], io.Error);
        return errors.Count == 0 ? load.Inventory : null;
    }
}
