using Provisioner.Core.Desired;

namespace Provisioner.Core.Planning;

/// <summary>
/// One thing apply does on a host, in the order it does them. <see cref="HostPlanner"/> makes the
/// steps; apply runs exactly these (it never plans again); the runbook prints each one's shell
/// form from <see cref="StepScripts"/>, the same text apply sends. <see cref="Reason"/> says why
/// the step is there.
/// </summary>
public abstract record HostStep(string Reason);

/// <summary>Packages the host lacks, installed with its package manager.</summary>
public sealed record InstallPackages(IReadOnlyList<string> Packages, string Reason) : HostStep(Reason);

/// <summary>Managed files written atomically (old one backed up); only files that differ from the host's.</summary>
public sealed record WriteFiles(IReadOnlyList<ManagedFile> Files, string Reason) : HostStep(Reason);

/// <summary>
/// A command a changed input made necessary: the kernel-args script or update-grub, the initramfs
/// rebuild, sysctl. Consecutive trigger steps run as one command, in <see cref="TriggerCommands"/> order.
/// </summary>
public sealed record RunTrigger(Trigger Trigger, string Reason) : HostStep(Reason);

/// <summary>Services enabled for the next boot and started now.</summary>
public sealed record StartServices(IReadOnlyList<string> Services, string Reason) : HostStep(Reason);

/// <summary>A detached reboot, proven by a new boot_id, behind the rolling-reboot gate.</summary>
public sealed record Reboot(string Reason) : HostStep(Reason);

/// <summary>Fresh facts, then the host's post-conditions (kernel arguments, vfio-pci, /dev/vfio).</summary>
public sealed record VerifyHost(string Reason) : HostStep(Reason);

/// <summary>--recreate: the old domain destroyed and undefined (nvram included) before its VM is made anew.</summary>
public sealed record RemoveDomain(string Vm, string Reason) : HostStep(Reason);

/// <summary>
/// The VMs' files on disk in one command: their seed documents written like managed files, then
/// base images fetched, disks created when missing, seed ISOs built, folders made traversable.
/// </summary>
public sealed record PrepareVmStorage(IReadOnlyList<VmWork> Work, string Reason) : HostStep(Reason)
{
    public IReadOnlyList<ManagedFile> SeedFiles => [.. Work.Where(w => w.BuildSeed).SelectMany(w => VmFiles.Seed(w.Vm))];
}

/// <summary>One domain defined, restarted, started and set to autostart, as its <see cref="VmWork"/> says (through libvirt).</summary>
public sealed record ApplyDomain(VmWork Work, string Reason) : HostStep(Reason);

/// <summary>Every worker VM running with autostart; its guest agent and GPU where it answers.</summary>
public sealed record VerifyVms(string Reason) : HostStep(Reason);
