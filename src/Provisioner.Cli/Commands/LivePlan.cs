using Provisioner.Cli.Output;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Pipeline;
using Provisioner.Core.Planning;
using Provisioner.Remote.Planning;

namespace Provisioner.Cli.Commands;

/// <summary>The live side of `provision plan`: load, pick hosts (--limit), read facts over SSH, plan.</summary>
internal static class LivePlan
{
    public static async Task<Plan?> RunAsync(string path, string? limit, int parallel, CliIo io, CancellationToken cancellationToken)
    {
        var load = InventoryLoader.LoadFile(path);
        DiagnosticPrinter.Print(load.Diagnostics, io.Error);
        if (load.Inventory is null)
        {
            return null;
        }

        var hosts = load.Inventory.Hosts.Where(h => HostGlob.Matches(limit, h.Name)).ToList();
        if (hosts.Count == 0)
        {
            io.Error.WriteLine($"error: --limit '{limit}' matches no host in {path}");
            return null;
        }

        using var templates = InventoryPipeline.TemplatesFor(load.Inventory);
        var home = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        var runner = new LivePlanRunner(templates, new LivePlanOptions(parallel, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60), home));
        return await runner.PlanAsync(path, hosts, cancellationToken).ConfigureAwait(false);
    }
}
