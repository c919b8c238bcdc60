using Provisioner.Core.Checks;
using Provisioner.Core.Facts;
using Provisioner.Core.Planning;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Libvirt;

/// <summary>
/// The worker domains of one host through our binding: read as facts, and brought to what the
/// plan says (define, graceful restart, start, autostart). libvirt errors become the host's
/// <see cref="RemoteException"/> with libvirt's own text.
/// </summary>
public static class WorkerDomains
{
    public static IReadOnlyList<DomainFacts> Read(LibvirtConnection libvirt, IEnumerable<string> names, string host) => Guard(host, () =>
    {
        var domains = new List<DomainFacts>();
        foreach (var name in names)
        {
            using var domain = libvirt.Find(name);
            if (domain is not null)
            {
                domains.Add(new DomainFacts(name, domain.Uuid, StateText(domain.State), domain.Autostart, domain.GetXml(LibvirtDomain.XmlFlags.Inactive)));
            }
        }

        return (IReadOnlyList<DomainFacts>)domains;
    });

    /// <summary>Carries out one VM's domain work; a restart asks the guest to shut down and waits up to <paramref name="shutdownTimeout"/> before pulling the plug.</summary>
    public static async Task ApplyAsync(LibvirtConnection libvirt, VmWork work, TimeProvider time, TimeSpan shutdownTimeout, string host, CancellationToken cancellationToken)
    {
        using var domain = Guard(host, () => work.Define ? libvirt.Define(work.Vm.Domain.Xml) : libvirt.Find(work.Vm.Vm.Name)
            ?? throw new LibvirtException($"look up domain {work.Vm.Vm.Name}", LibvirtException.NoDomain, "it disappeared since the plan"));
        if (work.Restart && Guard(host, () => domain.State) == DomainState.Running)
        {
            Guard(host, domain.Shutdown);
            var started = time.GetTimestamp();
            while (Guard(host, () => domain.State) != DomainState.ShutOff && time.GetElapsedTime(started) < shutdownTimeout)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }

            if (Guard(host, () => domain.State) != DomainState.ShutOff)
            {
                Guard(host, domain.Destroy); // the guest ignored ACPI (no OS, or hung)
            }
        }

        if (Guard(host, () => domain.State) != DomainState.Running)
        {
            Guard(host, domain.Start);
        }

        if (!Guard(host, () => domain.Autostart))
        {
            Guard(host, () => domain.Autostart = true);
        }
    }

    /// <summary>
    /// The qemu guest agent of a running domain: null when it answers a ping; "not connected"
    /// while nothing in the guest listens on its channel (no agent installed yet, still booting);
    /// otherwise libvirt's error.
    /// </summary>
    public static string? AgentProblem(LibvirtConnection libvirt, string name, TimeSpan timeout)
    {
        try
        {
            using var domain = libvirt.Find(name);
            if (domain is null)
            {
                return "no such domain";
            }

            var channel = System.Xml.Linq.XDocument.Parse(domain.GetXml()).Descendants("channel").Select(c => c.Element("target"))
                .FirstOrDefault(t => (string?)t?.Attribute("name") == "org.qemu.guest_agent.0");
            if ((string?)channel?.Attribute("state") != "connected")
            {
                return "not connected";
            }

            domain.GuestAgent("{\"execute\":\"guest-ping\"}", timeout);
            return null;
        }
        catch (LibvirtException e)
        {
            return e.LibvirtMessage;
        }
    }

    /// <summary>Destroys (if running) and undefines a domain, its nvram included; its disks are not libvirt's to touch.</summary>
    public static void Remove(LibvirtConnection libvirt, string name, string host) => Guard(host, () =>
    {
        using var domain = libvirt.Find(name);
        if (domain is null)
        {
            return;
        }

        if (domain.State is DomainState.Running or DomainState.Paused or DomainState.Blocked)
        {
            domain.Destroy();
        }

        domain.Undefine(nvram: true);
    });

    /// <summary>qemu-ga's answer, or its error as qemu-ga writes it (libvirt raises it as an error: "Failed to execute child process ...").</summary>
    private static string AgentAnswer(LibvirtDomain domain, string json)
    {
        try
        {
            return domain.GuestAgent(json, TimeSpan.FromSeconds(10));
        }
        catch (LibvirtException e) when (json.Contains("\"guest-exec\"", StringComparison.Ordinal))
        {
            return System.Text.Json.JsonSerializer.Serialize(new { error = new { @class = "GenericError", desc = e.LibvirtMessage } });
        }
    }

    /// <summary>Through the guest agent: is the VM's GPU visible inside it? Problem null when it shows exactly once, with the card and driver it saw (<see cref="GuestGpuCheck"/>).</summary>
    public static (string? Problem, string? Seen) GuestGpu(LibvirtConnection libvirt, string name, string vendorDevice, TimeProvider time)
    {
        try
        {
            using var domain = libvirt.Find(name);
            return domain is null ? ("no such domain", null)
                : GuestGpuCheck.Inspect(json => AgentAnswer(domain, json), vendorDevice,
                    () => Task.Delay(TimeSpan.FromMilliseconds(500), time).Wait());
        }
        catch (LibvirtException e)
        {
            return ("the guest agent: " + e.LibvirtMessage, null);
        }
    }

    /// <summary>Through the guest agent: runs <see cref="GuestFarmProbe"/>'s script in the VM (bash, as root) and reads its findings.</summary>
    public static (IReadOnlyList<string> Problems, IReadOnlyList<string> Fine) GuestFarm(LibvirtConnection libvirt, string name, string script, TimeProvider time)
    {
        try
        {
            using var domain = libvirt.Find(name);
            if (domain is null)
            {
                return (["no such domain"], []);
            }

            var run = GuestExec.Run(json => AgentAnswer(domain, json), "/bin/bash", ["-c", script], () => Task.Delay(TimeSpan.FromMilliseconds(500), time).Wait(), 30);
            return run switch
            {
                null => (["the guest agent could not run /bin/bash"], []),
                { ExitCode: null } => (["the farm probe did not finish in 15 s inside the VM (a hung NFS mount?)"], []),
                { Output: var said } => GuestFarmProbe.Read(said),
            };
        }
        catch (LibvirtException e)
        {
            return (["the guest agent: " + e.LibvirtMessage], []);
        }
    }

    public static string StateText(DomainState state) => state switch
    {
        DomainState.Running => "running",
        DomainState.Paused => "paused",
        DomainState.ShutOff => "shut off",
        DomainState.ShuttingDown => "shutting down",
        DomainState.Crashed => "crashed",
        DomainState.Blocked => "blocked",
        DomainState.Suspended => "suspended",
        _ => "no state",
    };

    private static T Guard<T>(string host, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (LibvirtException e)
        {
            throw new RemoteException(host, "libvirt: " + e.Message, "see the domain's log on the host (/var/log/libvirt/qemu/NAME.log) and re-run apply", e);
        }
    }

    private static void Guard(string host, Action call) => Guard(host, () =>
    {
        call();
        return 0;
    });
}
