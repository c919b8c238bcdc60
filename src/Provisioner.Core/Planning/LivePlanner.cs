using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Planning;

/// <summary>
/// Desired state × a host's facts → that host's plan. Pure: no I/O, no clock. Files are compared
/// by content and metadata, kernel arguments against what the NEXT boot will use (GRUB config or
/// grubby), triggers fire only when their inputs change (or the initramfs is older than its
/// inputs), and a reboot is planned only for a reason that is stated.
/// </summary>
public static class LivePlanner
{
    public static HostPlan PlanHost(HostDesiredState desired, HostFacts facts, VmReplacement? replacement = null)
    {
        var findings = Preflight.Check(desired, facts).ToList();
        if (OsDetection.Family(facts) is { } running && desired.Host.Os != OsFamily.Auto && running != desired.Host.Os)
        {
            findings.Add(new(true, $"the inventory says {Name(desired.Host.Os)} but the host runs {facts.OsId} {facts.OsVersionId}",
                $"set os: {Name(running)} (or os: auto) for this host"));
        }

        var changes = new List<PlannedChange>();
        var missingPackages = desired.Packages.Where(p => !facts.InstalledPackages.Contains(p)).ToList();
        if (missingPackages.Count > 0)
        {
            changes.Add(new(ChangeAction.Create, "packages", string.Join(' ', missingPackages),
                "virtualisation stack for the worker VMs: " + HostCommands.InstallPackages(desired.Os, missingPackages), null, false));
        }

        // Services start after files and triggers (their configuration is in place by then).
        var stopped = desired.Services.Where(s => facts.Service(s) is not { Running: true }).ToList();

        var fileChanges = desired.Files.Select(f => (File: f, Change: FileComparison.Compare(f, facts.Files.GetValueOrDefault(f.Path)))).ToList();
        changes.AddRange(fileChanges.Select(x => x.Change));
        var triggers = fileChanges.Where(x => x.Change.Action != ChangeAction.NoOp).SelectMany(x => x.File.Triggers).ToHashSet();
        var notes = new List<string>();

        var initramfsBuilt = facts.Initramfs.Select(i => i.ModifiedUnix).DefaultIfEmpty(0).Max();
        var stale = desired.Files.Where(f => f.Triggers.Contains(Trigger.RebuildInitramfs))
            .Select(f => facts.Files.GetValueOrDefault(f.Path)).OfType<FileFacts>()
            .Where(f => f.Exists && f.ModifiedUnix > initramfsBuilt).Select(f => f.Path).ToList();
        if (stale.Count > 0 && triggers.Add(Trigger.RebuildInitramfs))
        {
            notes.Add("the initramfs is older than " + string.Join(", ", stale) + ": it must be rebuilt for vfio-pci to claim the GPUs at boot");
        }

        var os = OsProfile.For(desired.Os);
        var nextBoot = NextBootArguments(os, facts);
        var (missing, unwanted) = desired.KernelArgs.Diff(nextBoot);
        if (missing.Count + unwanted.Count > 0)
        {
            changes.Add(new(ChangeAction.Update, "kernel-args", string.Join(' ', missing.Select(a => "+" + a).Concat(unwanted.Select(a => "-" + a))),
                "for the next boot, via " + (os.IsEl ? "the kernel-args script (" + os.KernelArgsMethod + ")" : "the GRUB drop-in and update-grub"), null, false));
            triggers.Add(os.IsEl ? Trigger.ApplyKernelArgs : Trigger.RegenerateGrub);
        }

        if (stopped.Count > 0)
        {
            changes.Add(new(ChangeAction.Update, "service", string.Join(' ', stopped),
                string.Join(", ", stopped.Select(s => $"{s} is {facts.Service(s)?.Enabled ?? "unknown"}/{facts.Service(s)?.Active ?? "unknown"}"))
                + ": " + HostCommands.StartServices(stopped), null, false));
        }

        var reboot = RebootReasons(desired, facts, triggers, missing.Count + unwanted.Count > 0);
        if (reboot.Count == 0)
        {
            var notOnVfio = desired.Vfio.Functions.Select(f => facts.Device(f.ToString())).OfType<PciDeviceFacts>().Where(d => d.Driver != "vfio-pci").ToList();
            if (notOnVfio.Count > 0)
            {
                findings.Add(new(false, $"{string.Join(", ", notOnVfio.Select(d => $"{d.Address} on {d.Driver ?? "no driver"}"))} although the configuration is in place and active",
                    "rebuild the initramfs and reboot; if that does not help, check 'provision check' for the IOMMU group and id"));
            }
        }

        // The worker VMs come last: apply creates them once the host is bound (and rebooted).
        var (_, vmChanges, vmFindings) = VmPlanner.Plan(desired, facts, replacement);
        changes.AddRange(vmChanges);
        findings.AddRange(vmFindings);

        return new HostPlan(desired.Host.Name, Name(desired.Os), changes,
            [.. TriggerCommands.InRunOrder(triggers).Select(t => Planner.Describe(t, desired.Os))],
            reboot.Count == 0 ? null : string.Join("; ", reboot), notes, findings, [.. TriggerCommands.InRunOrder(triggers)]);
    }

    /// <summary>What the next boot's command line will be: the boot config if we can read it, else the running one.</summary>
    public static string NextBootArguments(OsProfile os, HostFacts facts)
    {
        var entry = os.KernelArgsMethod == "grubby"
            ? facts.BootEntries.FirstOrDefault(b => b.Source == "grubby")
            : facts.BootEntries.FirstOrDefault(b => b.Source.EndsWith("grub.cfg", StringComparison.Ordinal));
        return entry?.Arguments ?? facts.Cmdline;
    }

    private static List<string> RebootReasons(HostDesiredState desired, HostFacts facts, HashSet<Trigger> triggers, bool kernelArgsChange)
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

        if (triggers.Contains(Trigger.Reboot))
        {
            reasons.Add("network configuration (never reloaded live over the connection we use)");
        }

        return reasons;
    }

    private static string Name(OsFamily os) => os.ToString().ToLowerInvariant();
}
