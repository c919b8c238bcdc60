using Provisioner.Cli.Output;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Inventory.Model;

namespace Provisioner.Cli.Commands;

/// <summary>What plan, apply, check and runbook share: load the inventory (diagnostics printed) and pick its hosts by --limit.</summary>
internal static class HostSelection
{
    /// <summary>The inventory and the selected hosts; null after a load error or an empty selection (printed).</summary>
    public static (Inventory Inventory, IReadOnlyList<Host> Hosts)? Load(string path, string? limit, CliIo io, Func<Host, bool>? alsoRequire = null)
    {
        var load = InventoryLoader.LoadFile(path);
        DiagnosticPrinter.Print(load.Diagnostics, io.Error);
        if (load.Inventory is null)
        {
            return null;
        }

        var hosts = load.Inventory.Hosts.Where(h => HostGlob.Matches(limit, h.Name) && (alsoRequire?.Invoke(h) ?? true)).ToList();
        if (hosts.Count == 0)
        {
            io.Error.WriteLine(limit is null ? $"error: no host of {path} is selected" : $"error: --limit '{limit}' matches no host in {path}");
            return null;
        }

        return (load.Inventory, hosts);
    }
}
