using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Pipeline;
using Provisioner.Core.Planning;
using Provisioner.Remote.Sessions;

namespace Provisioner.Cli.Commands;

/// <summary>
/// The live side of `plan` and `apply`: load, pick hosts (--limit), connect, read facts over SSH,
/// plan. `plan` closes the connections; `apply` keeps them (<see cref="OpenAsync"/>).
/// </summary>
internal static class HostSessions
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public static async Task<Plan?> RunAsync(string path, string? limit, int parallel, bool withVms, VmReplacement replacement, CliIo io, CancellationToken cancellationToken)
    {
        var opened = await OpenAsync(path, limit, parallel, withVms, replacement, io, cancellationToken).ConfigureAwait(false);
        if (opened is null)
        {
            return null;
        }

        foreach (var session in opened.Value.Sessions)
        {
            session.Dispose();
        }

        return opened.Value.Plan;
    }

    /// <summary>Plans the selected hosts and keeps their connections; null after a load or selection error (printed).</summary>
    public static async Task<(IReadOnlyList<HostSession> Sessions, Plan Plan)?> OpenAsync(string path, string? limit, int parallel, bool withVms, VmReplacement replacement, CliIo io, CancellationToken cancellationToken,
        Func<Host, bool>? alsoRequire = null, bool deepFacts = false)
    {
        if (HostSelection.Load(path, limit, io, alsoRequire) is not var (inventory, hosts))
        {
            return null;
        }

        if (replacement.Unknown(inventory) is { } unknown)
        {
            io.Error.WriteLine($"error: --recreate {unknown}: no worker VM of that name in {path}");
            return null;
        }

        using var templates = InventoryPipeline.TemplatesFor(inventory);
        var runner = new SessionOpener(templates, new SessionOptions(parallel, ConnectTimeout, CommandTimeout, Home, Environment.GetEnvironmentVariable("SSH_AUTH_SOCK"), withVms)
        {
            Replacement = replacement,
            DeepFacts = deepFacts,
        });
        return await runner.OpenAsync(path, hosts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Expands '~/' in the inventory's SSH paths.</summary>
    public static string Home => Environment.GetEnvironmentVariable("HOME") ?? "/root";
}
