using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>
/// The checks that must pass before anything on a host is changed: the GPUs exist with the
/// expected ids, the IOMMU works where it should, and each GPU's IOMMU group holds only its own
/// functions (a group is passed through whole, so a NIC or disk controller in it cannot stay).
/// </summary>
public static class Preflight
{
    private const string PciBridgeClass = "0604";

    public static IReadOnlyList<Finding> Check(HostDesiredState desired, HostFacts facts)
    {
        var findings = new List<Finding>();
        foreach (var gpu in desired.Host.Gpus)
        {
            foreach (var function in gpu.Functions)
            {
                var device = facts.Device(function.Address.ToString());
                if (device is null)
                {
                    findings.Add(new(true, $"GPU function {function.Address} (VM {gpu.Vm.Name}) is not on this host",
                        "check the address with 'lspci -D' (a card in another slot has another bus number) and correct gpus[].address"));
                }
                else if (function.Id is not null && device.VendorDevice != function.Id.ToString())
                {
                    findings.Add(new(true, $"{function.Address} is {device.VendorDevice}, not the expected {function.Id}",
                        "the inventory's gpu_model ids must match the installed card (SXM and PCIe variants of one GPU have different device ids)"));
                }
            }
        }

        if (facts.IommuActive)
        {
            findings.AddRange(GroupFindings(desired, facts));
        }
        else if (facts.FirmwareIommu == "none" && desired.Host.Gpus.Count > 0)
        {
            findings.Add(new(true, "the firmware has the IOMMU turned off (no DMAR or IVRS ACPI table): no kernel argument can enable it",
                "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, then re-run; nothing was changed on this host"));
        }
        else if (IommuRequested(desired, facts.Cmdline))
        {
            findings.Add(new(true, "the kernel booted with the IOMMU enabled on its command line but created no IOMMU groups",
                "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, then reboot"));
        }

        return findings;
    }

    private static IEnumerable<Finding> GroupFindings(HostDesiredState desired, HostFacts facts)
    {
        var passedThrough = desired.Host.Gpus.SelectMany(g => g.Functions).Select(f => f.Address.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var gpu in desired.Host.Gpus)
        {
            var groups = gpu.Functions.Select(f => facts.Device(f.Address.ToString())?.IommuGroup).OfType<int>().Distinct();
            foreach (var group in groups)
            {
                foreach (var member in facts.GroupMembers(group).Where(m => !passedThrough.Contains(m.Address) && !m.Class.StartsWith(PciBridgeClass, StringComparison.Ordinal)))
                {
                    var sameSlot = member.Address[..^1] == gpu.Address.ToString()[..^1];
                    yield return sameSlot
                        ? new(true, $"{member.Address} ({member.VendorDevice}) shares IOMMU group {group} with GPU {gpu.Address} but is not passed through with it",
                            $"add function {member.Address[^1]} (id {member.VendorDevice}) to gpu_model.functions: a group goes to a VM whole, the audio function too")
                        : new(true, $"IOMMU group {group} of GPU {gpu.Address} also holds {member.Address} ({member.VendorDevice}, class {member.Class})",
                            "the GPU's slot is not isolated (no ACS on the bridge above it): move the card to a slot with its own group; pcie_acs_override needs a patched kernel and weakens isolation");
                }
            }
        }
    }

    private static bool IommuRequested(HostDesiredState desired, string cmdline)
    {
        var active = cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return desired.KernelArgs.Add.Where(a => a.EndsWith("_iommu=on", StringComparison.Ordinal)).Any(active.Contains);
    }
}
