using System.Globalization;
using Provisioner.Core.Checks;
using Provisioner.Core.Desired;
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
        Phase("Packages", "The virtualization stack and the tools the later steps use.",
            desired.Packages.Count == 0 ? [] : [new StepView("Install the packages", HostCommands.InstallPackages(desired.Os, desired.Packages), "the command exits 0; already installed packages are left as they are")]);
        Phase("Configuration files", "Each file is written whole to a temporary name and renamed over the old one (the old one kept as PATH.provision-backup), so it is always either old or new.",
            desired.Files.Select(FileStep));
        var triggers = TriggerCommands.InRunOrder(desired.Files.SelectMany(f => f.Triggers))
            .Select(t => (Trigger: t, Command: TriggerCommands.Command(t, desired.Os, HostPaths.Default))).Where(t => t.Command is not null).ToList();
        Phase("Make the configuration take effect", "Kernel arguments and the GRUB config first, then the initramfs, which must hold vfio-pci and its config so vfio-pci claims the GPUs before any other driver.",
            triggers.Select(t => new StepView(TriggerTitle(t.Trigger), t.Command!, TriggerExpect(t.Trigger))));
        Phase("Services", "libvirt must run (and start at boot) before VMs can be defined.",
            desired.Services.Count == 0 ? [] : [new StepView("Enable and start", HostCommands.StartServices(desired.Services), "systemctl is-active " + string.Join(' ', desired.Services) + " prints active")]);
        Phase("Reboot", "The kernel arguments, the initramfs and the hugepages reserved at boot take effect only now. Note the boot id first: a new one proves the host really rebooted.",
            [new StepView("Reboot the host", "reboot", "the host comes back; `cat /proc/sys/kernel/random/boot_id` prints a new id")], reboot: true);
        Phase("Verify", "The post-conditions apply verifies (checks kernel-cmdline, vfio-bound, dev-vfio, host-gpu-drivers); each command exits non-zero when one does not hold.",
            Verify(desired));
        Phase("Worker VMs", "One VM per GPU: image, disks, cloud-init seed, then the domain defined, autostarted and started.", desired.Vms.SelectMany(VmSteps));

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

    private static StepView FileStep(ManagedFile file)
    {
        var path = ShellQuote.Quote(file.Path);
        var temp = ShellQuote.Quote(file.Path + ".provision-new");
        var directory = ShellQuote.Quote(file.Path[..Math.Max(1, file.Path.LastIndexOf('/'))]);
        var delimiter = "PROVISION_EOF";
        while (file.Content.Contains(delimiter, StringComparison.Ordinal))
        {
            delimiter += "_";
        }

        // A heredoc adds a final newline: content without one is written with printf instead.
        var write = file.Content.EndsWith('\n')
            ? $"cat > {temp} <<'{delimiter}'\n{file.Content}{delimiter}\n"
            : $"printf '%s' {ShellQuote.Quote(file.Content)} > {temp}\n";
        var command = $"mkdir -p {directory}\n[ -e {path} ] && cp -p {path} {ShellQuote.Quote(file.Path + ".provision-backup")}\n{write}"
            + $"chmod {file.Mode} {temp} && chown {file.Owner}:{file.Group} {temp} && mv -f {temp} {path}";
        var expect = $"`sha256sum {file.Path}` prints {Text.Sha256Text.Hex(file.Content)}";
        return new StepView($"{file.Path}: {file.Purpose}", command, file.Sensitive ? expect + " once the secret references are replaced" : expect);
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
            var size = desired.Hugepages.IsGigantic ? "hugepages-1048576kB" : "hugepages-2048kB";
            yield return new("Hugepages reserved", string.Create(CultureInfo.InvariantCulture,
                $"awk '{{ n += $1 }} END {{ print n; exit (n >= {desired.Hugepages.Count} ? 0 : 1) }}' /sys/devices/system/node/node*/hugepages/{size}/nr_hugepages"),
                string.Create(CultureInfo.InvariantCulture, $"{desired.Hugepages.Count}; fewer means memory was too fragmented even at boot (check hugepages-node names the node)"));
        }
    }

    private static IEnumerable<StepView> VmSteps(VmDesiredState vm)
    {
        var name = vm.Vm.Name;
        var image = ShellQuote.Quote(vm.BaseImage.CachePath);
        yield return new($"{name}: base image (once per host)",
            $"mkdir -p {ShellQuote.Quote(Parent(vm.BaseImage.CachePath))}\n"
            + $"[ -e {image} ] || {{ curl -fsSL --retry 3 -o {image}.part {ShellQuote.Quote(vm.BaseImage.Url)} && echo {vm.BaseImage.Sha256}' *'{image}.part | sha256sum -c --quiet - && mv -f {image}.part {image}; }}",
            "the image is kept under its sha256; a mismatch stops here ('FAILED')");
        var folders = string.Join(' ', vm.Disks.Select(d => Parent(d.Path)).Distinct(StringComparer.Ordinal).Select(ShellQuote.Quote));
        yield return new($"{name}: disks (never overwritten)", $"mkdir -p {folders}\n" + string.Join('\n', vm.Disks.Select(d =>
        {
            var path = ShellQuote.Quote(d.Path);
            var size = ShellQuote.Quote(d.Size.Bytes.ToString(CultureInfo.InvariantCulture));
            return d.FromBaseImage
                ? $"[ -e {path} ] || {{ qemu-img convert -O raw {image} {path}.part && qemu-img resize -q -f raw {path}.part {size} && mv -f {path}.part {path}; }}"
                : $"[ -e {path} ] || {{ truncate -s {size} {path}.part && mv -f {path}.part {path}; }}";
        })), "`ls -l` shows each disk at its size");
        foreach (var file in VmFiles.Seed(vm))
        {
            yield return FileStep(file);
        }

        var seed = ShellQuote.Quote(VmFiles.SeedDirectory(vm));
        yield return new($"{name}: cloud-init seed ISO",
            $"genisoimage -quiet -output {ShellQuote.Quote(vm.Seed.IsoPath)} -volid cidata -joliet -rock {seed}/user-data {seed}/meta-data {seed}/network-config\n"
            // libvirt's QEMU runs as libvirt-qemu, not root: it must pass through the folders of the disks and the seed.
            + $"chmod go+x {string.Join(' ', VmFiles.QemuFolders(vm).Select(ShellQuote.Quote))}",
            $"{vm.Seed.IsoPath} exists (instance-id {vm.Seed.InstanceId})");
        var xml = new ManagedFile($"/var/lib/provision/domains/{name}.xml", vm.Domain.Xml, "0600", "root", "root", false, [], "vm/domain.xml.sbn", $"the libvirt domain of {name}");
        yield return FileStep(xml);
        yield return new($"{name}: define, autostart, start",
            $"virsh define {ShellQuote.Quote(xml.Path)}\nvirsh autostart {name}\nvirsh domstate {name} | grep -q running || virsh start {name}",
            $"`virsh list --autostart` lists {name} running");
    }

    private static string Parent(string path) => path[..path.LastIndexOf('/')];

    private static string TriggerTitle(Trigger trigger) => trigger switch
    {
        Trigger.ApplyKernelArgs => "Set the kernel arguments",
        Trigger.RegenerateGrub => "Regenerate the GRUB config",
        Trigger.RebuildInitramfs => "Rebuild the initramfs",
        _ => "Apply the sysctl settings",
    };

    private static string TriggerExpect(Trigger trigger) => trigger switch
    {
        Trigger.ApplyKernelArgs or Trigger.RegenerateGrub => "the boot config's kernel line (grub.cfg, or `grubby --info=DEFAULT`) carries each argument once",
        Trigger.RebuildInitramfs => "`lsinitramfs /boot/initrd.img-$(uname -r) | grep vfio` (Debian/Ubuntu) or `lsinitrd | grep vfio` (EL) lists vfio-pci.ko and etc/modprobe.d/vfio.conf",
        _ => "`sysctl vm.nr_hugepages` shows the count (fully reserved only at the next boot if memory is fragmented)",
    };
}
