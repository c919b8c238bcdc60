using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>
/// The post-conditions of a bring-up, checked on facts read after the reboot: the kernel runs
/// with every desired argument exactly once and none of the unwanted ones, every function of each
/// GPU's IOMMU group is on vfio-pci, /dev/vfio/N exists for those groups, and nouveau is not loaded.
/// Pure; each failure says what is wrong and what to look at.
/// </summary>
public static class Verifier
{
    public static IReadOnlyList<Finding> Verify(HostDesiredState desired, HostFacts facts)
    {
        var failures = new List<Finding>();
        var active = facts.Cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var arg in desired.KernelArgs.Add)
        {
            var count = active.Count(a => a == arg);
            if (count != 1)
            {
                failures.Add(new(true, count == 0 ? $"the running kernel lacks {arg}" : $"{arg} is on the kernel command line {count} times",
                    count == 0 ? "check the boot config (grub.cfg / grubby --info) and that the host really rebooted" : "remove the duplicates from GRUB_CMDLINE_LINUX(_DEFAULT) and regenerate the GRUB config"));
            }
        }

        failures.AddRange(desired.KernelArgs.Remove.Where(active.Contains)
            .Select(arg => new Finding(true, $"the running kernel still has {arg}", "remove it from the boot config and reboot")));

        foreach (var gpu in desired.Host.Gpus)
        {
            var groups = new HashSet<int>();
            foreach (var function in gpu.Functions)
            {
                var device = facts.Device(function.Address.ToString());
                if (device?.IommuGroup is { } group)
                {
                    groups.Add(group);
                }
            }

            if (groups.Count == 0)
            {
                failures.Add(new(true, $"GPU {gpu.Address} has no IOMMU group", "the IOMMU is not active: check the cmdline and the firmware's VT-d/AMD-Vi setting"));
            }

            foreach (var member in groups.SelectMany(facts.GroupMembers).Where(m => !m.Class.StartsWith("0604", StringComparison.Ordinal) && m.Driver != "vfio-pci"))
            {
                failures.Add(new(true, $"{member.Address} ({member.VendorDevice}) in the group of GPU {gpu.Address} is on {member.Driver ?? "no driver"}, not vfio-pci",
                    "the initramfs must carry the vfio-pci ids and load it first: rebuild it (update-initramfs -u / dracut -f) and reboot"));
            }

            failures.AddRange(groups.Where(g => !facts.VfioGroupDevices.Contains(g))
                .Select(g => new Finding(true, $"/dev/vfio/{g} is missing for GPU {gpu.Address}", "vfio-pci did not take the whole group; see the driver findings above")));
        }

        if (desired.Host.Gpus.Count > 0 && facts.LoadedModules.Contains("nouveau"))
        {
            failures.Add(new(true, "nouveau is loaded on the host", "blacklist it (blacklist_nouveau: true), rebuild the initramfs and reboot"));
        }

        return failures;
    }
}
