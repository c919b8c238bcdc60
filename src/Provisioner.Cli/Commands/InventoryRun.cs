using Provisioner.Cli.Output;
using Provisioner.Core.Desired;
using Provisioner.Core.Pipeline;

namespace Provisioner.Cli.Commands;

/// <summary>
/// What validate, render and the offline plan share: load the inventory and pick its hosts by
/// --limit (<see cref="HostSelection"/>, the one path every command takes), render each selected
/// host (each handed to <c>consume</c> as soon as it is done, so no command keeps a large fleet in
/// memory unless it wants to), and print every diagnostic once. Returns the inventory with the
/// selected hosts, or null after any error.
/// </summary>
internal static class InventoryRun
{
    public static Core.Inventory.Model.Inventory? Run(string path, string? limit, CliIo io, Action<int, HostDesiredState> consume)
    {
        if (HostSelection.Load(path, limit, io) is not var (loaded, hosts))
        {
            return null;
        }

        var selected = loaded with { Hosts = hosts };
        using var templates = InventoryPipeline.TemplatesFor(selected);
        var errors = DesiredStateBuilder.BuildEach(selected, templates, consume);
        DiagnosticPrinter.Print(errors, io.Error);
        return errors.Count == 0 ? selected : null;
    }
}
