using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Planning;
using Provisioner.Core.Templates;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Planning;

/// <summary>
/// Plans live hosts: per host ONE connection and ONE probe, hosts in parallel (at most
/// <see cref="LivePlanOptions.Parallel"/> at once). A host that cannot be reached or probed is a
/// <see cref="HostFailure"/>; the others are planned all the same.
/// </summary>
public sealed class LivePlanRunner(TemplateLibrary templates, LivePlanOptions options)
{
    public async Task<Plan> PlanAsync(string inventoryPath, IReadOnlyList<Host> hosts, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(options.Parallel);
        var outcomes = await Task.WhenAll(hosts.Select(async host =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await PlanHostAsync(host, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return new Plan(Plan.CurrentFormatVersion, inventoryPath, Offline: false,
            [.. outcomes.Select(o => o.Plan).OfType<HostPlan>()], [.. outcomes.Select(o => o.Failure).OfType<HostFailure>()]);
    }

    private async Task<(HostPlan? Plan, HostFailure? Failure)> PlanHostAsync(Host host, CancellationToken cancellationToken)
    {
        try
        {
            // Render for every OS family the host may run (one, unless os: auto), so one probe
            // reads every path any of them manages; then plan with the family the host runs.
            var candidates = (host.Os == OsFamily.Auto ? Enum.GetValues<OsFamily>().Where(o => o != OsFamily.Auto) : [host.Os])
                .Select(os => Render(host with { Os = os })).ToList();
            using var connection = await SshConnection.ConnectAsync(SshTarget.For(host, options.Home), options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var facts = await FactProbe.ProbeAsync(connection,
                candidates.SelectMany(c => c.Files.Select(f => f.Path)).Distinct(),
                candidates.SelectMany(c => c.Packages).Distinct(),
                sudo: host.Ssh.User != "root", options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            var running = OsDetection.Family(facts);
            var desired = host.Os != OsFamily.Auto ? candidates[0]
                : running is { } detected ? candidates.Single(c => c.Os == detected)
                : throw new RemoteException(host.Name, $"os: auto, but the host runs {facts.OsId} {facts.OsVersionId}, which Provisioner does not support",
                    "supported: el7, el8, el9 (RHEL, CentOS, Rocky, Alma), debian, ubuntu");
            return (LivePlanner.PlanHost(desired, facts), null);
        }
        catch (RemoteException e)
        {
            return (null, new HostFailure(host.Name, e.Detail, e.Hint));
        }
    }

    private HostDesiredState Render(Host host)
    {
        var (state, errors) = DesiredStateBuilder.BuildOne(host, templates);
        return errors.Count == 0 ? state : throw new RemoteException(host.Name, "templates failed: " + string.Join("; ", errors), "run 'provision validate' for details");
    }
}

/// <summary>How live planning reaches hosts. <see cref="Home"/> expands '~/' in SSH paths.</summary>
public sealed record LivePlanOptions(int Parallel, TimeSpan ConnectTimeout, TimeSpan CommandTimeout, string Home);
