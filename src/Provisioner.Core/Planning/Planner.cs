using System.Globalization;
using Provisioner.Core.Desired;

namespace Provisioner.Core.Planning;

/// <summary>
/// Desired state (× facts, once hosts can be probed) → plan. A pure function: no I/O, no clock.
/// Offline, every host is assumed empty: everything is created, every trigger fires.
/// Resource order is the order apply follows: packages, files, triggers, kernel args, VMs.
/// </summary>
public static class Planner
{
    public static Plan PlanOffline(string inventory, IReadOnlyList<HostDesiredState> hosts) =>
        new(Plan.CurrentFormatVersion, inventory, Offline: true, [.. hosts.Select(h => PlanHostOffline(h))], []);

    /// <summary>
    /// One host's offline plan. Without <paramref name="withContent"/> the changes carry no file
    /// content, so a plan of a large fleet need not keep every rendered file in memory.
    /// </summary>
    public static HostPlan PlanHostOffline(HostDesiredState desired, bool withContent = true)
    {
        var plan = BuildOfflinePlan(desired);
        return withContent ? plan : plan with { Changes = [.. plan.Changes.Select(c => c with { Content = null })] };
    }

    private static HostPlan BuildOfflinePlan(HostDesiredState desired)
    {
        var changes = new List<PlannedChange>
        {
            new(ChangeAction.Create, "packages", string.Join(' ', desired.Packages), "virtualisation stack for the worker VMs", null, false),
            new(ChangeAction.Create, "service", string.Join(' ', desired.Services), "enable and start", null, false),
        };
        changes.AddRange(desired.Files.Select(f => new PlannedChange(ChangeAction.Create, "file", f.Path,
            $"{f.Mode} {f.Owner}:{f.Group}, {f.Purpose}", f.Sensitive ? null : f.Content, f.Sensitive)));
        var (missing, _) = desired.KernelArgs.Diff("");
        if (missing.Count > 0)
        {
            changes.Add(new(ChangeAction.Update, "kernel-args", string.Join(' ', missing.Select(a => "+" + a)),
                "IOMMU on, vfio-pci early" + (desired.Hugepages.IsGigantic && desired.Hugepages.Count > 0 ? ", 1 GiB hugepages at boot" : ""), null, false));
        }

        foreach (var image in desired.Vms.Select(v => v.BaseImage).DistinctBy(i => i.Sha256))
        {
            changes.Add(new(ChangeAction.Create, "base-image", image.CachePath, "download " + image.Url + ", verify sha256", null, false));
        }

        foreach (var vm in desired.Vms)
        {
            changes.AddRange(vm.Disks.Select(d => new PlannedChange(ChangeAction.Create, "disk", d.Path,
                $"{d.Role} disk, {d.Size}" + (d.FromBaseImage ? ", from the base image" : ", empty"), null, false)));
            changes.Add(new(ChangeAction.Create, "seed", vm.Seed.IsoPath, $"cloud-init NoCloud seed, instance-id {vm.Seed.InstanceId}",
                vm.Seed.Sensitive ? null : vm.Seed.UserData, vm.Seed.Sensitive));
            changes.Add(new(ChangeAction.Create, "domain", vm.Vm.Name, DescribeVm(vm), vm.Domain.Xml, false));
        }

        var kinds = TriggerCommands.InRunOrder(desired.Files.SelectMany(f => f.Triggers)).ToList();
        var triggers = kinds.Select(t => Describe(t, desired.Os)).ToList();
        var reboot = triggers.Count > 0 || missing.Count > 0
            ? "new kernel arguments, a rebuilt initramfs and vfio-pci binding take effect only at boot"
            : null;
        var notes = desired.Host.GpusAuto ? new[] { "GPUs are 'auto': worker VMs are planned once the host's facts are read" } : [];
        return new HostPlan(desired.Host.Name, desired.Os.ToString().ToLowerInvariant(), changes, triggers, reboot, notes, [], kinds);
    }

    private static string DescribeVm(VmDesiredState vm) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{vm.Vm.Vcpus} vCPU, {vm.Vm.Memory}{(vm.Vm.HugepageBacked ? " on hugepages" : "")}, GPU {string.Join(" + ", vm.Gpu.Functions.Select(f => f.Address))}, MAC {vm.Vm.Network.Mac}; define, start, autostart");

    /// <summary>How a trigger reads in a plan: what it does and the command apply will run for it.</summary>
    internal static string Describe(Trigger trigger, Inventory.Model.OsFamily os) => trigger switch
    {
        Trigger.RebuildInitramfs => $"rebuild initramfs ({TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.RegenerateGrub => $"regenerate GRUB config ({TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.ApplyKernelArgs => $"apply kernel arguments ({OsProfile.For(os).KernelArgsMethod}: {TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.ReloadSysctl => $"reload sysctl ({TriggerCommands.Command(trigger, os, HostPaths.Default)})",
        Trigger.Reboot => "network changes wait for the reboot",
        _ => trigger.ToString(),
    };
}
