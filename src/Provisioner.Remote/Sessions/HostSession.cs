using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Planning;
using Provisioner.Core.Templates;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Libvirt;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Sessions;

/// <summary>
/// One host, planned live and still connected: its desired state for the OS it runs, the facts
/// of its one probe and the plan made from them. `plan` disposes it at once; `apply` keeps the
/// connection for the whole run (replacing it when the host reboots).
/// </summary>
public sealed class HostSession : IDisposable
{
    private IHostShell _connection;
    private LibvirtTunnel? _tunnel;
    private LibvirtConnection? _libvirt;

    private HostSession(Host host, HostDesiredState desired, IHostShell connection, HostFacts facts, HostPlan plan)
    {
        Host = host;
        Desired = desired;
        _connection = connection;
        Facts = facts;
        Plan = plan;
    }

    public Host Host { get; }

    public HostDesiredState Desired { get; }

    /// <summary>The host's one SSH connection; replaced after a reboot (which also drops the libvirt transport riding on it).</summary>
    public IHostShell Connection
    {
        get => _connection;
        set
        {
            CloseLibvirt();
            _connection = value;
        }
    }

    public HostFacts Facts { get; private set; }

    public HostPlan Plan { get; private set; }

    /// <summary>Commands that change the host run under 'sudo -n' unless we log in as root.</summary>
    public bool Sudo => Host.Ssh.User != "root";

    public ProbeScope Scope => ProbeScope.For(Desired);

    /// <summary>
    /// A session on a shell opened elsewhere, with the plan the user confirmed: what apply's unit
    /// tests hand to <see cref="Apply.ApplyRunner"/> with a fake shell.
    /// </summary>
    public static HostSession Planned(Host host, HostDesiredState desired, IHostShell shell, HostFacts facts, HostPlan plan) =>
        new(host, desired, shell, facts, plan);

    /// <summary>Connect, probe once, plan. Any failure is a <see cref="RemoteException"/> naming the host.</summary>
    public static async Task<HostSession> OpenAsync(Host host, TemplateLibrary templates, SessionOptions options, CancellationToken cancellationToken)
    {
        // Render for every OS family the host may run (one, unless os: auto), so one probe
        // reads every path any of them manages; then plan with the family the host runs.
        var candidates = (host.Os == OsFamily.Auto ? Enum.GetValues<OsFamily>().Where(o => o != OsFamily.Auto) : [host.Os])
            .Select(os => Render(host with { Os = os }, templates))
            .Select(state => options.WithVms ? WithSecrets(state) : state with { Vms = [] }).ToList();
        var connection = await SshConnection.ConnectAsync(SshTarget.For(host, options.Home, options.AgentSocket), options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            var facts = await FactProbe.ProbeAsync(connection, ProbeScope.For(candidates) with { Deep = options.DeepFacts }, sudo: host.Ssh.User != "root", options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            var running = OsDetection.Family(facts);
            var desired = host.Os != OsFamily.Auto ? candidates[0]
                : running is { } detected ? candidates.Single(c => c.Os == detected)
                : throw new RemoteException(host.Name, $"os: auto, but the host runs {facts.OsId} {facts.OsVersionId}, which Provisioner does not support",
                    "supported: el7, el8, el9 (RHEL, CentOS, Rocky, Alma), debian, ubuntu");
            var session = new HostSession(host, desired, connection, facts, null!);
            try
            {
                if (desired.Vms.Count > 0 && (facts.LibvirtSocket is not null || host.LibvirtUri is not null))
                {
                    session.Facts = facts = await session.WithDomainsAsync(facts, cancellationToken).ConfigureAwait(false);
                }

                session.Plan = HostPlanner.PlanHost(desired, facts, options.Replacement) with
                {
                    Fingerprint = new HostFingerprint(connection.HostKey, facts.BootId, FactsFingerprint.Of(facts)),
                };
                return session;
            }
            catch
            {
                session.CloseLibvirt();
                throw;
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>libvirt on the host, through the current SSH connection (opened on first use: one exec channel).</summary>
    public async Task<LibvirtConnection> LibvirtAsync(CancellationToken cancellationToken)
    {
        if (_libvirt is not null)
        {
            return _libvirt;
        }

        // The inventory's libvirt_uri, else libvirt through this host's SSH connection.
        if (Host.LibvirtUri is null)
        {
            _tunnel = _connection is SshConnection ssh ? LibvirtTunnel.Open(ssh, Sudo)
                : throw new RemoteException(Host.Name, "this connection cannot carry libvirt", "set libvirt_uri for the host");
        }

        var uri = Host.LibvirtUri ?? _tunnel!.Uri;
        var credentials = Host.LibvirtAuth is { } auth
            ? new LibvirtCredentials(auth.Username, Secrets.SecretResolver.ResolveHere(auth.Password.ToString(), Host.Name))
            : null;
        try
        {
            _libvirt = await Task.Run(() => LibvirtConnection.Open(uri, credentials), cancellationToken).ConfigureAwait(false);
            return _libvirt;
        }
        catch (LibvirtException e)
        {
            CloseLibvirt();
            throw new RemoteException(Host.Name, (Host.LibvirtUri is null ? "cannot reach libvirt through SSH: " : $"cannot reach libvirt at {Host.LibvirtUri}: ") + e.Message,
                Host.LibvirtUri is null ? "check that libvirtd (or virtqemud) runs on the host and that virt-ssh-helper or 'nc -U' exists there"
                    : "check libvirt_uri, the daemon's listener and its certificates/credentials", e);
        }
    }

    /// <summary><paramref name="facts"/> with the worker domains as libvirt has them now.</summary>
    public async Task<HostFacts> WithDomainsAsync(HostFacts facts, CancellationToken cancellationToken)
    {
        var libvirt = await LibvirtAsync(cancellationToken).ConfigureAwait(false);
        var names = Desired.Vms.Select(v => v.Vm.Name).ToList();
        return facts with { Domains = await Task.Run(() => WorkerDomains.Read(libvirt, names, Host.Name), cancellationToken).ConfigureAwait(false) };
    }

    public void Dispose()
    {
        CloseLibvirt();
        _connection.Dispose();
    }

    private void CloseLibvirt()
    {
        _libvirt?.Dispose();
        _libvirt = null;
        _tunnel?.Dispose();
        _tunnel = null;
    }

    /// <summary>Sensitive seeds carry their secrets' values from here on (compared by hash, never shown).</summary>
    private static HostDesiredState WithSecrets(HostDesiredState state) => state with
    {
        Vms = [.. state.Vms.Select(vm => vm.Seed.Sensitive
            ? vm with { Seed = vm.Seed with { UserData = Secrets.SecretResolver.ResolveHere(vm.Seed.UserData, state.Host.Name) } }
            : vm)],
    };

    private static HostDesiredState Render(Host host, TemplateLibrary templates)
    {
        var (state, errors) = DesiredStateBuilder.BuildOne(host, templates);
        return errors.Count == 0 ? state : throw new RemoteException(host.Name, "templates failed: " + string.Join("; ", errors), "run 'provision validate' for details");
    }
}
