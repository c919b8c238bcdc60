using System.Globalization;
using Provisioner.Core.Checks;
using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Core.Shell;
using Provisioner.Core.Templates;

namespace Provisioner.Core.Runbook;

/// <summary>
/// A host's bring-up as a document: the same desired state, commands and order apply uses
/// (<see cref="HostCommands"/>, <see cref="TriggerCommands"/>, the rendered files), written as
/// steps a person can follow, rendered through runbook/runbook.md.sbn. A test replays the
/// document's commands on a lab host and asks apply whether anything is left to do.
/// </summary>
public static class RunbookBuilder
{
    private static readonly FirmwareItemView[] FirmwareItems =
    [
        new("Intel VT-d / AMD IOMMU (AMD-Vi): Enabled", "without it the firmware publishes no DMAR/IVRS table and no GPU can be passed through (check iommu-firmware)"),
        new("Intel VT-x / AMD SVM Mode: Enabled", "KVM needs it to run the worker VMs (check cpu-virtualization)"),
        new("Above 4G Decoding: Enabled (and Resizable BAR as the GPU vendor advises)", "GPUs with large BARs must be mapped above 4 GiB, or the host cannot even enumerate them"),
        new("PCIe ACS and ARI: Enabled where the firmware offers them", "ACS on the root ports splits the IOMMU groups per slot (check iommu-group-isolation)"),
        new("Primary display: onboard / BMC VGA, not a PCIe GPU", "the firmware and the console must not claim a GPU meant for a VM"),
        new("Deep C-states: limited (C1/C1E) and power profile: performance", "renders are long and steady; deep C-states add latency to interrupts and vCPU wake-ups"),
    ];

    public static RunbookView View(HostDesiredState desired, string inventoryName)
    {
        var host = desired.Host;
        var os = desired.Os.ToString().ToLowerInvariant();
        var phases = new List<PhaseView>();
        void Phase(string title, string why, IEnumerable<StepView> steps, bool reboot = false)
        {
            var list = steps.ToList();
            if (list.Count > 0)
            {
                phases.Add(new PhaseView(phases.Count + 1, title, why, reboot, list));
            }
        }

        Phase("Pre-flight: what the host must show before any change",
            "Provisioner runs these checks before it touches a host; a failure here means stop and fix the firmware or the inventory (each command exits non-zero when the check fails).",
            Preflight(desired));
        // The same typed plan apply runs, made offline (the host assumed empty); each step's
        // command is its shell form from StepScripts, the very text apply sends.
        var plan = HostPlanner.PlanHostOffline(desired);
        var steps = plan.Steps;
        Phase("Packages", "The virtualization stack and the tools the later steps use.",
            steps.OfType<InstallPackages>().Select(p => new StepView("Install the packages", StepScripts.Packages(p, desired.Os), "the command exits 0; already installed packages are left as they are")));
        Phase("Configuration files", $"Each file is written whole to a temporary name and renamed over the old one (the old one kept under {StepScripts.BackupRoot}/{RunbookRun}/), so it is always either old or new.",
            steps.OfType<WriteFiles>().SelectMany(w => w.Files).Select(FileStep));
        Phase("Make the configuration take effect", "Kernel arguments and the GRUB config first, then the initramfs, which must hold vfio-pci and its config so vfio-pci claims the GPUs before any other driver.",
            steps.OfType<RunTrigger>().Select(t => new StepView(TriggerTitle(t.Trigger), StepScripts.Trigger(t, desired.Os)!, TriggerExpect(t.Trigger))));
        Phase("Services", "libvirt must run (and start at boot) before VMs can be defined.",
            steps.OfType<StartServices>().Select(s => new StepView("Enable and start", StepScripts.Services(s), "systemctl is-active " + string.Join(' ', s.Services) + " prints active")));
        Phase("Reboot", "The kernel arguments, the initramfs and the hugepages reserved at boot take effect only now. Note the boot id first: a new one proves the host really rebooted.",
            [new StepView("Reboot the host", "reboot", "the host comes back; `cat /proc/sys/kernel/random/boot_id` prints a new id")], reboot: true);
        Phase("Verify", "The post-conditions apply verifies (checks kernel-cmdline, vfio-bound, dev-vfio, host-gpu-drivers); each command exits non-zero when one does not hold.",
            Verify(desired));
        Phase("Worker VMs", "One VM per GPU: the cloud-init seed documents, then images, disks and seed ISOs in one script, then each domain defined, autostarted and started.",
            VmSteps(steps));

        var summary = new List<string>
        {
            $"{host.Gpus.Count} GPU(s): " + string.Join(", ", host.Gpus.Select(g => $"{g.Address} ({string.Join(" + ", g.Functions.Select(f => f.Id?.ToString() ?? "?"))}) → {g.Vm.Name}")),
            "kernel arguments: " + string.Join(' ', desired.KernelArgs.Add) + (desired.KernelArgs.Remove.Count > 0 ? "; removed: " + string.Join(' ', desired.KernelArgs.Remove) : ""),
            $"hugepages: {desired.Hugepages.Count} × {desired.Hugepages.PageSize}",
        };
        var checklist = CheckCatalog.Definitions.Select(c => new ChecklistItemView(c.Id, c.Title, c.Troubleshooting, c.Fix)).ToList();
        return new RunbookView(host.Name, host.Address, os, inventoryName, summary, FirmwareItems, phases, checklist);
    }

    /// <summary>Renders <paramref name="view"/> through runbook/runbook.md.sbn.</summary>
    public static string Render(RunbookView view, TemplateLibrary templates)
    {
        var outcome = templates.Render("runbook/runbook.md.sbn", new Dictionary<string, object?>(StringComparer.Ordinal) { ["runbook"] = view });
        return outcome.Text ?? throw new InvalidOperationException(outcome.Error?.ToString() ?? "the runbook template failed");
    }

    private static IEnumerable<StepView> Preflight(HostDesiredState desired)
    {
        if (desired.Host.Gpus.Count == 0)
        {
            yield break;
        }

        var amd = desired.Host.CpuVendor == Inventory.Model.CpuVendor.Amd;
        yield return new("The firmware enables the IOMMU", $"ls /sys/firmware/acpi/tables/ | grep -x {(amd ? "IVRS" : "DMAR")}",
            $"{(amd ? "IVRS" : "DMAR")}; nothing means VT-d/AMD-Vi is off in the firmware (see the firmware checklist)");
        yield return new("The CPU has virtualization on", "grep -q -w " + (amd ? "svm" : "vmx") + " /proc/cpuinfo", "exit 0; the flag is hidden when the firmware has virtualization off");
        var lines = desired.Host.Gpus.SelectMany(g => g.Functions).Select(f => f.Id is null
            ? $"lspci -D -s {f.Address} | grep -q ."
            : $"lspci -Dn -s {f.Address} | grep -q ' {f.Id}'");
        yield return new("Every GPU function is where the inventory says, with the expected id", string.Join('\n', lines),
            "each command exits 0; if one fails, `lspci -Dnn` shows what is in that slot (SXM and PCIe variants have different ids)");
    }

    /// <summary>The run id the runbook's file steps back up under (apply uses its own run's).</summary>
    private const string RunbookRun = "runbook";

    private static StepView FileStep(ManagedFile file)
    {
        var expect = $"`sha256sum {file.Path}` prints {Text.Sha256Text.Hex(file.Content)}";
        return new StepView($"{file.Path}: {file.Purpose}", StepScripts.WriteFiles([file], RunbookRun).TrimEnd('\n'), file.Sensitive ? expect + " once the secret references are replaced" : expect);
    }

    private static IEnumerable<StepView> Verify(HostDesiredState desired)
    {
        var args = desired.KernelArgs.Add.Select(ShellQuote.Quote).ToList();
        if (args.Count > 0)
        {
            yield return new("Each kernel argument exactly once",
                $"for arg in {string.Join(' ', args)}; do\n  [ \"$(tr ' ' '\\n' < /proc/cmdline | grep -c -x -e \"$arg\")\" = 1 ] || {{ echo \"$arg is not on /proc/cmdline exactly once\"; false; }}\ndone",
                "no output, exit 0");
        }

        var functions = desired.Host.Gpus.SelectMany(g => g.Functions).ToList();
        if (functions.Count > 0)
        {
            yield return new("Every GPU function on vfio-pci, its group in /dev/vfio",
                string.Join('\n', functions.Select(f => $"lspci -k -s {f.Address} | grep -q 'Kernel driver in use: vfio-pci'\n[ -e \"/dev/vfio/$(basename \"$(readlink /sys/bus/pci/devices/{f.Address}/iommu_group)\")\" ]")),
                "exit 0; `lspci -nnk -s ADDRESS` names the driver of a function that fails");
            yield return new("No host driver on the GPUs", "[ ! -d /sys/module/nouveau ] && [ ! -d /sys/module/nvidia ]", "exit 0");
        }

        if (desired.Hugepages.Count > 0)
        {
            yield return new("Hugepages on each GPU's NUMA node", $"systemctl is-active provision-hugepages.service\n{HostPaths.HugepagesScript} --check",
                string.Create(CultureInfo.InvariantCulture, $"active, and a line per node ({desired.Hugepages.Count} pages of {desired.Hugepages.PageSize} in all); a node with fewer than its VMs need fails the check: its memory was too fragmented even at boot (check hugepages-node names the VM)"));
        }
    }

    private static IEnumerable<StepView> VmSteps(IReadOnlyList<HostStep> steps)
    {
        foreach (var storage in steps.OfType<PrepareVmStorage>())
        {
            foreach (var file in storage.SeedFiles)
            {
                yield return FileStep(file);
            }

            yield return new("Base images, disks and seed ISOs",
                StepScripts.VmStorage(storage.Work, RunbookRun).TrimEnd('\n'),
                "each image is kept only under its sha256 (exit 42 on a mismatch); `ls -l` shows each disk at its size (an existing disk is never touched) and each seed ISO: "
                + string.Join(", ", storage.Work.Select(w => $"{w.Vm.Seed.IsoPath} (instance-id {w.Vm.Seed.InstanceId})")));
        }

        foreach (var domain in steps.OfType<ApplyDomain>())
        {
            var name = domain.Work.Vm.Vm.Name;
            yield return FileStep(StepScripts.DomainFile(domain.Work));
            yield return new($"{name}: define, autostart, start", StepScripts.Domain(domain), $"`virsh list --autostart` lists {name} running");
        }
    }

    private static string TriggerTitle(Trigger trigger) => trigger switch
    {
        Trigger.ApplyKernelArgs => "Set the kernel arguments",
        Trigger.RegenerateGrub => "Regenerate the GRUB config",
        Trigger.RebuildInitramfs => "Rebuild the initramfs",
        _ => "Reserve the hugepages on each NUMA node",
    };

    private static string TriggerExpect(Trigger trigger) => trigger switch
    {
        Trigger.ApplyKernelArgs or Trigger.RegenerateGrub => "the boot config's kernel line (grub.cfg, or `grubby --info=DEFAULT`) carries each argument once",
        Trigger.RebuildInitramfs => "`lsinitramfs /boot/initrd.img-$(uname -r) | grep vfio` (Debian/Ubuntu) or `lsinitrd | grep vfio` (EL) lists vfio-pci.ko and etc/modprobe.d/vfio.conf",
        _ => "a line per NUMA node with its pages; 1 GiB pages a fragmented node could not give now are reserved at the reboot",
    };
}
