using System.Globalization;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Planning;

/// <summary>
/// THE planner: desired state × a host's facts → that host's plan, as typed steps apply runs
/// (<see cref="HostStep"/>) and the lines `plan` shows (<see cref="PlannedChange"/>), made in one
/// pass so they cannot disagree. Pure: no I/O, no clock. An offline plan is this planner run
/// against <see cref="HostFacts.Unread"/> (every host assumed empty, no pre-flight).
/// Files are compared by content and metadata, kernel arguments against what the NEXT boot will
/// use (GRUB config or grubby), triggers fire only when their inputs change (or the initramfs is
/// older than its inputs), and a reboot is planned only for a reason that is stated.
/// Step order is apply's: packages, files, triggers, services, reboot, verify, then the VMs.
/// </summary>
public static class HostPlanner
{
    /// <summary>Every host planned offline, in inventory order.</summary>
    public static Plan PlanOffline(string inventory, IReadOnlyList<HostDesiredState> hosts) =>
        new(Plan.CurrentFormatVersion, inventory, Offline: true, [.. hosts.Select(h => PlanHostOffline(h))], []);

    /// <summary>
    /// One host's offline plan. Without <paramref name="withContent"/> the plan keeps no file
    /// content (neither in its lines nor in its steps: an offline plan is never applied), so a plan
    /// of a large fleet need not keep every rendered file in memory.
    /// </summary>
    public static HostPlan PlanHostOffline(HostDesiredState desired, bool withContent = true)
    {
        var plan = PlanHost(desired, HostFacts.Unread(desired.Host.Name));
        return withContent ? plan : plan with { Changes = [.. plan.Changes.Select(c => c with { Content = null })], Steps = [] };
    }

    public static HostPlan PlanHost(HostDesiredState desired, HostFacts facts, VmReplacement? replacement = null)
    {
        var findings = new List<Finding>();
        var notes = new List<string>();
        if (!facts.IsUnread)
        {
            findings.AddRange(Preflight.Check(desired, facts));
            var running = OsDetection.Family(facts);
            if (running is null)
            {
                var name = facts.OsRelease.GetValueOrDefault("PRETTY_NAME") is { Length: > 0 } pretty ? pretty : $"{facts.OsId} {facts.OsVersionId}".Trim();
                findings.Add(new(true, $"the host runs {(name.Length > 0 ? name : "an OS without /etc/os-release")}, which Provisioner does not support",
                    "supported: el7, el8, el9 (RHEL, CentOS, Rocky, Alma), debian, ubuntu; nothing is changed on this host"));
            }

            if (facts.SystemdBootLoader is { } loader && facts.BootEntries.Count == 0)
            {
                findings.Add(new(true, $"the host boots with systemd-boot ({loader}) and has no GRUB config: kernel arguments written for GRUB (or grubby's BLS entries) would never reach its kernel",
                    "boot the host with GRUB (grub.cfg under /boot), or set the arguments in its loader entries by hand; nothing is changed on this host"));
            }

            if (running is not null && desired.Host.Os != OsFamily.Auto && running != desired.Host.Os)
            {
                findings.Add(new(true, $"the inventory says {Name(desired.Host.Os)} but the host runs {facts.OsId} {facts.OsVersionId}",
                    $"set os: {Name(running.Value)} (or os: auto) for this host"));
            }
        }
        else if (desired.Host.GpusAuto)
        {
            notes.Add("GPUs are 'auto': worker VMs are planned once the host's facts are read");
        }

        var changes = new List<PlannedChange>();
        var steps = new List<HostStep>();
        var missingPackages = desired.Packages.Where(p => !facts.InstalledPackages.Contains(p)).ToList();
        if (missingPackages.Count > 0)
        {
            var install = new InstallPackages(missingPackages, "virtualisation stack for the worker VMs");
            steps.Add(install);
            changes.Add(new(ChangeAction.Create, "packages", string.Join(' ', missingPackages), install.Reason + ": " + StepScripts.Packages(install, desired.Os), null, false));
        }

        var fileChanges = desired.Files.Select(f => (File: f, Change: FileComparison.Compare(f, facts.Files.GetValueOrDefault(f.Path)))).ToList();
        changes.AddRange(fileChanges.Select(x => x.Change));
        var changedFiles = fileChanges.Where(x => x.Change.Action != ChangeAction.NoOp).Select(x => x.File).ToList();
        findings.AddRange(changedFiles.SelectMany(f => ReplacedFileWarnings.For(f, facts.Files.GetValueOrDefault(f.Path))));
        if (changedFiles.Count > 0)
        {
            steps.Add(new WriteFiles(changedFiles, $"{changedFiles.Count} file(s) missing or different"));
        }

        var triggers = changedFiles.SelectMany(f => f.Triggers).ToHashSet();
        var initramfsBuilt = facts.Initramfs.Select(i => i.ModifiedUnix).DefaultIfEmpty(0).Max();
        var stale = desired.Files.Where(f => f.Triggers.Contains(Trigger.RebuildInitramfs))
            .Select(f => facts.Files.GetValueOrDefault(f.Path)).OfType<FileFacts>()
            .Where(f => f.Exists && f.ModifiedUnix > initramfsBuilt).Select(f => f.Path).ToList();
        if (stale.Count > 0 && triggers.Add(Trigger.RebuildInitramfs))
        {
            notes.Add("the initramfs is older than " + string.Join(", ", stale) + ": it must be rebuilt for vfio-pci to claim the GPUs at boot");
        }

        var os = OsProfile.For(desired.Os);
        var (missing, unwanted) = desired.KernelArgs.Diff(NextBootArguments(os, facts));
        var argsChange = missing.Count + unwanted.Count > 0;
        if (argsChange)
        {
            changes.Add(new(ChangeAction.Update, "kernel-args", string.Join(' ', missing.Select(a => "+" + a).Concat(unwanted.Select(a => "-" + a))),
                "for the next boot, via " + (os.IsEl ? "the kernel-args script (" + os.KernelArgsMethod + ")" : "the GRUB drop-in and update-grub"), null, false));
            triggers.Add(os.IsEl ? Trigger.ApplyKernelArgs : Trigger.RegenerateGrub);
        }

        var orderedTriggers = TriggerCommands.InRunOrder(triggers).ToList();
        steps.AddRange(orderedTriggers.Where(t => TriggerCommands.Command(t, desired.Os, HostPaths.Default) is not null)
            .Select(t => new RunTrigger(t, TriggerReason(t, changedFiles, argsChange))));

        // Services start after files and triggers (their configuration is in place by then).
        var stopped = desired.Services.Where(s => facts.Service(s) is not { Running: true }).ToList();
        if (stopped.Count > 0)
        {
            var start = new StartServices(stopped, string.Join(", ", stopped.Select(s => facts.Service(s) is { } known ? $"{s} is {known.Enabled}/{known.Active}" : $"{s} is not running")));
            steps.Add(start);
            changes.Add(new(ChangeAction.Update, "service", string.Join(' ', stopped), start.Reason + ": " + StepScripts.Services(start), null, false));
        }

        var reboot = RebootReasons(desired, facts, changedFiles, triggers, argsChange);
        if (reboot.Count > 0)
        {
            steps.Add(new Reboot(string.Join("; ", reboot)));
        }
        else if (!facts.IsUnread)
        {
            var notOnVfio = desired.Vfio.Functions.Select(f => facts.Device(f.ToString())).OfType<PciDeviceFacts>().Where(d => d.Driver != "vfio-pci").ToList();
            if (notOnVfio.Count > 0)
            {
                findings.Add(new(false, $"{string.Join(", ", notOnVfio.Select(d => $"{d.Address} on {d.Driver ?? "no driver"}"))} although the configuration is in place and active",
                    "rebuild the initramfs and reboot; if that does not help, check 'provision check' for the IOMMU group and id"));
            }
        }

        // The worker VMs come last: apply creates them once the host is bound (and rebooted), and
        // only on a host that verifies.
        var (work, vmChanges, vmFindings) = VmPlanner.Plan(desired, facts, replacement);
        changes.AddRange(vmChanges);
        findings.AddRange(vmFindings);
        if (steps.Count > 0 || work.Count > 0)
        {
            steps.Add(new VerifyHost("the post-conditions before any VM: kernel arguments once, GPUs on vfio-pci, /dev/vfio"));
        }

        steps.AddRange(VmSteps(desired, work));

        return new HostPlan(desired.Host.Name, Name(desired.Os), changes,
            [.. orderedTriggers.Select(t => Describe(t, desired.Os))],
            reboot.Count == 0 ? null : string.Join("; ", reboot), notes, findings, orderedTriggers)
        {
            Steps = steps,
        };
    }

    /// <summary>What the next boot's command line will be: the boot config if we can read it, else the running one.</summary>
    public static string NextBootArguments(OsProfile os, HostFacts facts)
    {
        var entry = os.KernelArgsMethod == "grubby"
            ? facts.BootEntries.FirstOrDefault(b => b.Source == "grubby")
            : facts.BootEntries.FirstOrDefault(b => b.Source.EndsWith("grub.cfg", StringComparison.Ordinal));
        return entry?.Arguments ?? facts.Cmdline;
    }

    /// <summary>How a trigger reads in a plan: what it does and the command apply will run for it.</summary>
    internal static string Describe(Trigger trigger, OsFamily os) => trigger switch
    {
        Trigger.RebuildInitramfs => $"rebuild initramfs ({TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.RegenerateGrub => $"regenerate GRUB config ({TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.ApplyKernelArgs => $"apply kernel arguments ({OsProfile.For(os).KernelArgsMethod}: {TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.ReserveHugepages => $"reserve hugepages per NUMA node ({TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.Reboot => "the rest takes effect only at boot (see reboot)",
        _ => trigger.ToString(),
    };

    /// <summary>The VM steps: replaced domains removed, storage prepared, each domain brought to its work, then all verified.</summary>
    private static IEnumerable<HostStep> VmSteps(HostDesiredState desired, IReadOnlyList<VmWork> work)
    {
        foreach (var item in work.Where(w => w.Replace))
        {
            yield return new RemoveDomain(item.Vm.Vm.Name, "--recreate: replaced on purpose");
        }

        if (work.Count > 0)
        {
            yield return new PrepareVmStorage(work, string.Create(CultureInfo.InvariantCulture, $"{work.Count} VM(s) with work: images, disks, seeds"));
        }

        foreach (var item in work)
        {
            yield return new ApplyDomain(item, DomainReason(item));
        }

        if (desired.Vms.Count > 0)
        {
            yield return new VerifyVms("each worker VM running with autostart, its GPU visible where its guest agent answers");
        }
    }

    private static string DomainReason(VmWork work) => string.Join(", ", new[]
    {
        work.Define ? "define" : null,
        work.Restart ? "restart" : null,
        work.Start ? "start" : null,
        work.Autostart ? "autostart" : null,
    }.OfType<string>().DefaultIfEmpty("its disks or seed changed"));

    private static string TriggerReason(Trigger trigger, IReadOnlyList<ManagedFile> changed, bool argsChange)
    {
        var inputs = changed.Where(f => f.Triggers.Contains(trigger)).Select(f => f.Path).ToList();
        return inputs.Count > 0 ? "changed: " + string.Join(", ", inputs)
            : trigger is Trigger.ApplyKernelArgs or Trigger.RegenerateGrub && argsChange ? "the next boot's kernel arguments differ"
            : "its image is older than its inputs";
    }

    private static List<string> RebootReasons(HostDesiredState desired, HostFacts facts, IReadOnlyList<ManagedFile> changed, HashSet<Trigger> triggers, bool kernelArgsChange)
    {
        var reasons = new List<string>();
        if (kernelArgsChange)
        {
            reasons.Add("new kernel arguments");
        }
        else if (desired.KernelArgs.Diff(facts.Cmdline) is var (notActive, stillActive) && notActive.Count + stillActive.Count > 0)
        {
            reasons.Add("kernel arguments configured but not active (" + string.Join(' ', notActive.Select(a => "+" + a).Concat(stillActive.Select(a => "-" + a))) + ")");
        }

        if (triggers.Contains(Trigger.RebuildInitramfs))
        {
            reasons.Add("a rebuilt initramfs (vfio-pci binds at boot)");
        }

        if (changed.Any(f => f.Triggers.Contains(Trigger.Reboot) && f.Triggers.Contains(Trigger.ReserveHugepages)))
        {
            reasons.Add("1 GiB hugepages per NUMA node (reserved early at boot, while memory is unfragmented)");
        }

        if (changed.Any(f => f.Triggers is [Trigger.Reboot]))
        {
            reasons.Add("network configuration (never reloaded live over the connection we use)");
        }

        return reasons;
    }

    private static string Name(OsFamily os) => os.ToString().ToLowerInvariant();
}
