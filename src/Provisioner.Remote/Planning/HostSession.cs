using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Planning;
using Provisioner.Core.Templates;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Planning;

/// <summary>
/// One host, planned live and still connected: its desired state for the OS it runs, the facts
/// of its one probe and the plan made from them. `plan` disposes it at once; `apply` keeps the
/// connection for the whole run (replacing it when the host reboots).
/// </summary>
public sealed class HostSession : IDisposable
{
    private HostSession(Host host, HostDesiredState desired, SshConnection connection, HostFacts facts, HostPlan plan)
    {
        Host = host;
        Desired = desired;
        Connection = connection;
        Facts = facts;
        Plan = plan;
    }

    public Host Host { get; }

    public HostDesiredState Desired { get; }

    public SshConnection Connection { get; set; }

    public HostFacts Facts { get; }

    public HostPlan Plan { get; }

    /// <summary>Commands that change the host run under 'sudo -n' unless we log in as root.</summary>
    public bool Sudo => Host.Ssh.User != "root";

    public ProbeScope Scope => ProbeScope.For(Desired);

    /// <summary>Connect, probe once, plan. Any failure is a <see cref="RemoteException"/> naming the host.</summary>
    public static async Task<HostSession> OpenAsync(Host host, TemplateLibrary templates, LivePlanOptions options, CancellationToken cancellationToken)
    {
        // Render for every OS family the host may run (one, unless os: auto), so one probe
        // reads every path any of them manages; then plan with the family the host runs.
        var candidates = (host.Os == OsFamily.Auto ? Enum.GetValues<OsFamily>().Where(o => o != OsFamily.Auto) : [host.Os])
            .Select(os => Render(host with { Os = os }, templates)).ToList();
        var connection = await SshConnection.ConnectAsync(SshTarget.For(host, options.Home, options.AgentSocket), options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            var facts = await FactProbe.ProbeAsync(connection, ProbeScope.For(candidates), sudo: host.Ssh.User != "root", options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            var running = OsDetection.Family(facts);
            var desired = host.Os != OsFamily.Auto ? candidates[0]
                : running is { } detected ? candidates.Single(c => c.Os == detected)
                : throw new RemoteException(host.Name, $"os: auto, but the host runs {facts.OsId} {facts.OsVersionId}, which Provisioner does not support",
                    "supported: el7, el8, el9 (RHEL, CentOS, Rocky, Alma), debian, ubuntu");
            var plan = LivePlanner.PlanHost(desired, facts) with
            {
                Fingerprint = new HostFingerprint(connection.HostKey, facts.BootId, FactsFingerprint.Of(facts)),
            };
            return new HostSession(host, desired, connection, facts, plan);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose() => Connection.Dispose();

    private static HostDesiredState Render(Host host, TemplateLibrary templates)
    {
        var (state, errors) = DesiredStateBuilder.BuildOne(host, templates);
        return errors.Count == 0 ? state : throw new RemoteException(host.Name, "templates failed: " + string.Join("; ", errors), "run 'provision validate' for details");
    }
}
