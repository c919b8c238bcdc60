using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Checks;

/// <summary>The firmware and the kernel: virtualization, the IOMMU, interrupt remapping, the command line.</summary>
internal static class FirmwareChecks
{
    public static readonly CheckDefinition CpuVirtualization = new("cpu-virtualization", "CPU virtualization (VT-x / AMD-V) is on", CheckStatus.Fail,
        "enable Intel VT-x (Virtualization Technology) or AMD-V (SVM Mode) in the firmware setup, then reboot",
        "The kernel hides the vmx (Intel) or svm (AMD) flag in /proc/cpuinfo when the firmware has virtualization off; KVM cannot start a guest then. `grep -c -w -E 'vmx|svm' /proc/cpuinfo` must be non-zero.")
    { Preflight = true };

    public static readonly CheckDefinition IommuFirmware = new("iommu-firmware", "The firmware enables the IOMMU (DMAR / IVRS table)", CheckStatus.Fail,
        "enable VT-d (Intel) or AMD-Vi / IOMMU (AMD) in the firmware setup; no kernel argument can make up for it",
        "The firmware publishes the DMAR (Intel VT-d) or IVRS (AMD-Vi) ACPI table only with the IOMMU enabled in its setup: `ls /sys/firmware/acpi/tables/` must list one of them. Some boards hide it under Chipset > North Bridge or need 'Above 4G decoding' too.")
    { Preflight = true };

    public static readonly CheckDefinition IommuActive = new("iommu-active", "The running kernel has the IOMMU on (IOMMU groups exist)", CheckStatus.Fail,
        "put intel_iommu=on (or amd_iommu=on) iommu=pt on the kernel command line ('provision apply' does) and reboot; if they are there, enable VT-d / AMD-Vi in the firmware",
        "`ls /sys/kernel/iommu_groups/` must list groups and `dmesg | grep -i -e DMAR -e AMD-Vi` must show the IOMMU initialised. Groups missing with the argument present means the firmware has it off.")
    { Preflight = true, Verify = true };

    public static readonly CheckDefinition InterruptRemapping = new("interrupt-remapping", "Interrupt remapping is enabled", CheckStatus.Fail,
        "enable interrupt remapping with the IOMMU in the firmware (Intel: VT-d with x2APIC / IR; AMD: IOMMU); vfio refuses devices without it unless allow_unsafe_interrupts=1, which is unsafe",
        "`grep -c IR- /proc/interrupts` counts remapped interrupt chips (IR-PCI-MSI); `dmesg | grep -i remapping` should say 'Enabled IRQ remapping'. Without it vfio_iommu_type1 refuses to assign devices.")
    { Verify = true };

    public static readonly CheckDefinition KernelCmdline = new("kernel-cmdline", "The kernel command line has each desired argument exactly once", CheckStatus.Fail,
        "fix the boot config ('provision apply' writes it idempotently) and reboot",
        "`cat /proc/cmdline` shows what the running kernel got. A duplicated argument comes from appending to GRUB_CMDLINE_LINUX twice; a missing one from a boot config that was never regenerated (update-grub / grub2-mkconfig / grubby) or a host that was not rebooted.")
    { Verify = true };

    public static IEnumerable<CheckOutcome> EvaluateCpuVirtualization(CheckInput input)
    {
        var cpu = input.Facts.Cpu;
        if (cpu is null)
        {
            yield return CheckOutcome.Skip("/proc/cpuinfo was not read");
        }
        else if (cpu.VirtualizationFlag is { } flag)
        {
            yield return CheckOutcome.Pass($"{cpu.Model} ({cpu.Count} CPUs) shows {flag}");
        }
        else if (input.Desired.Vms.Count > 0 && input.Desired.Vms.All(v => v.Vm.DomainType == "qemu"))
        {
            yield return new(CheckStatus.Warn, $"{cpu.Model} shows no {(cpu.IsAmd ? "svm" : "vmx")} flag: the VMs use domain type qemu (emulation), which works but is slow");
        }
        else
        {
            yield return new(CheckStatus.Fail, $"{cpu.Model} shows no {(cpu.IsAmd ? "svm" : "vmx")} flag: virtualization is off in the firmware, KVM guests cannot start");
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateIommuFirmware(CheckInput input)
    {
        switch (input.Facts.FirmwareIommu)
        {
            case null:
                yield return CheckOutcome.Skip("the host shows no ACPI tables to read");
                break;
            case "none" when input.Desired.Host.Gpus.Count > 0:
                yield return new(CheckStatus.Fail, "the firmware has the IOMMU turned off (no DMAR or IVRS ACPI table): no kernel argument can enable it",
                    "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, then re-run; nothing was changed on this host");
                break;
            case "none":
                yield return new(CheckStatus.Warn, "the firmware has the IOMMU turned off (no DMAR or IVRS table); this host passes no GPU through yet");
                break;
            default:
                yield return CheckOutcome.Pass($"{input.Facts.FirmwareIommu} table present ({(input.Facts.FirmwareIommu == "IVRS" ? "AMD-Vi" : "VT-d")})");
                break;
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateIommuActive(CheckInput input)
    {
        var facts = input.Facts;
        if (!facts.IommuActive)
        {
            if (input.Mode != CheckMode.Preflight)
            {
                yield return new(CheckStatus.Fail, "the running kernel created no IOMMU groups");
                foreach (var gpu in input.Desired.Host.Gpus)
                {
                    yield return new(CheckStatus.Fail, $"GPU {gpu.Address} has no IOMMU group");
                }
            }
            else if (facts.FirmwareIommu != "none" && IommuRequested(input.Desired, facts.Cmdline))
            {
                yield return new(CheckStatus.Fail, "the kernel booted with the IOMMU enabled on its command line but created no IOMMU groups",
                    "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, then reboot");
            }
            else
            {
                yield return CheckOutcome.Skip("the IOMMU is not on yet: apply puts it on the command line and reboots");
            }

            yield break;
        }

        var groups = facts.PciDevices.Select(d => d.IommuGroup).OfType<int>().Distinct().Count();
        yield return CheckOutcome.Pass($"{groups} IOMMU groups");
        foreach (var gpu in input.Desired.Host.Gpus.Where(g => g.Functions.Any(f => facts.Device(f.Address.ToString()) is { IommuGroup: null })))
        {
            yield return new(CheckStatus.Fail, $"GPU {gpu.Address} has no IOMMU group", "the IOMMU is not active: check the cmdline and the firmware's VT-d/AMD-Vi setting");
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateInterruptRemapping(CheckInput input)
    {
        if (!input.Facts.IommuActive || input.Facts.InterruptRemapping is not { } remapped)
        {
            yield return CheckOutcome.Skip(input.Facts.IommuActive ? "/proc/interrupts was not read" : "the IOMMU is not active");
        }
        else
        {
            yield return remapped ? CheckOutcome.Pass("interrupts are remapped (IR-PCI-MSI)") : new(CheckStatus.Fail, "no interrupt is remapped: the IOMMU runs without interrupt remapping");
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateKernelCmdline(CheckInput input)
    {
        var active = input.Facts.CmdlineArgs;
        var pending = input.Facts.BootEntries.Any(b => input.Desired.KernelArgs.Diff(b.Arguments) is { Missing.Count: 0, Unwanted.Count: 0 });
        foreach (var arg in input.Desired.KernelArgs.Add)
        {
            var count = active.Count(a => a == arg);
            if (count == 0)
            {
                yield return new(CheckStatus.Fail, $"the running kernel lacks {arg}",
                    pending ? "the boot config has it: reboot" : "check the boot config (grub.cfg / grubby --info) and that the host really rebooted");
            }
            else if (count > 1)
            {
                yield return new(CheckStatus.Fail, $"{arg} is on the kernel command line {count} times", "remove the duplicates from GRUB_CMDLINE_LINUX(_DEFAULT) and regenerate the GRUB config");
            }
        }

        foreach (var arg in input.Desired.KernelArgs.Remove.Where(active.Contains))
        {
            yield return new(CheckStatus.Fail, $"the running kernel still has {arg}", "remove it from the boot config and reboot");
        }

        yield return CheckOutcome.Pass(input.Desired.KernelArgs.Add.Count == 0 ? "no kernel arguments wanted" : string.Join(' ', input.Desired.KernelArgs.Add) + ": each exactly once");
    }

    private static bool IommuRequested(HostDesiredState desired, string cmdline)
    {
        var active = cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return desired.KernelArgs.Add.Where(a => a.EndsWith("_iommu=on", StringComparison.Ordinal)).Any(active.Contains);
    }
}
