using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Planning;
using Provisioner.Core.Templates;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Sessions;

/// <summary>
/// Plans live hosts: per host ONE connection and ONE probe (<see cref="HostSession"/>), hosts in
/// parallel (at most <see cref="SessionOptions.Parallel"/> at once). A host that cannot be
/// reached or probed is a <see cref="HostFailure"/>; the others are planned all the same.
/// </summary>
public sealed class SessionOpener(TemplateLibrary templates, SessionOptions options)
{
    /// <summary>Plans every host and closes each connection as soon as its host is planned.</summary>
    public async Task<Plan> PlanAsync(string inventoryPath, IReadOnlyList<Host> hosts, CancellationToken cancellationToken)
    {
        var (sessions, plan) = await OpenAsync(inventoryPath, hosts, cancellationToken).ConfigureAwait(false);
        foreach (var session in sessions)
        {
            session.Dispose();
        }

        return plan;
    }

    /// <summary>Plans every host and keeps the connections open (apply goes on with them); the caller disposes the sessions.</summary>
    public async Task<(IReadOnlyList<HostSession> Sessions, Plan Plan)> OpenAsync(string inventoryPath, IReadOnlyList<Host> hosts, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(options.Parallel);
        var outcomes = await Task.WhenAll(hosts.Select(async host =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return (Session: await HostSession.OpenAsync(host, templates, options, cancellationToken).ConfigureAwait(false), Failure: (HostFailure?)null);
            }
            catch (RemoteException e)
            {
                return (Session: (HostSession?)null, Failure: new HostFailure(host.Name, e.Detail, e.Fix));
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        var sessions = outcomes.Select(o => o.Session).OfType<HostSession>().ToList();
        var plan = new Plan(Plan.CurrentFormatVersion, inventoryPath, Offline: false, [.. sessions.Select(s => s.Plan)], [.. outcomes.Select(o => o.Failure).OfType<HostFailure>()]);
        return (sessions, plan);
    }
}

/// <summary>
/// How live planning reaches hosts. <see cref="Home"/> expands '~/' in SSH paths; <see cref="AgentSocket"/> is $SSH_AUTH_SOCK;
/// without <see cref="WithVms"/> the worker VMs are left out (a host-only bring-up: `--no-vms`).
/// </summary>
public sealed record SessionOptions(int Parallel, TimeSpan ConnectTimeout, TimeSpan CommandTimeout, string Home, string? AgentSocket = null, bool WithVms = true)
{
    /// <summary>VMs to replace on purpose (--recreate).</summary>
    public VmReplacement Replacement { get; init; } = VmReplacement.None;

    /// <summary>Probe deep (initramfs content, lspci names, NICs): `check` wants them, plan and apply do not.</summary>
    public bool DeepFacts { get; init; }
}
