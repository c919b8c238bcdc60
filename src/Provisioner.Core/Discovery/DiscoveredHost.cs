using Provisioner.Core.Facts;
using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Discovery;

/// <summary>A GPU as found: its function 0, the functions it takes along (same slot, same IOMMU group), and whatever else shares its group.</summary>
public sealed record DiscoveredGpu(PciDeviceFacts Device, string Name, IReadOnlyList<PciDeviceFacts> Companions, IReadOnlyList<PciDeviceFacts> Strangers);

/// <summary>
/// What `provision discover` makes of one host's facts: the GPUs with their companions, and VM
/// sizes that fit the host (even vCPU counts, whole GiB that fit each GPU's NUMA node after the
/// host's reserve). Pure: the same facts give the same result.
/// </summary>
public sealed record DiscoveredHost(
    string Name,
    string Address,
    HostFacts Facts,
    OsFamily? Os,
    string CpuVendor,
    long MemoryGib,
    long HostReserveGib,
    IReadOnlyList<DiscoveredGpu> Gpus,
    int VmVcpus,
    long VmMemoryGib)
{
    private const string Nvidia = "10de", Amd = "1002";

    /// <summary>CPUs the host keeps for itself (and its emulator threads) before the VMs are sized.</summary>
    private const int HostCpus = 4;

    public static DiscoveredHost From(HostFacts facts, string name, string address)
    {
        var gpus = facts.PciDevices
            .Where(d => d.Class.StartsWith("03", StringComparison.Ordinal) && d.Address.EndsWith(".0", StringComparison.Ordinal) && (d.VendorDevice.StartsWith(Nvidia, StringComparison.Ordinal) || d.VendorDevice.StartsWith(Amd, StringComparison.Ordinal)))
            .Where(d => !Integrated(facts, d))
            .OrderBy(d => d.Address, StringComparer.Ordinal)
            .Select(d => Gpu(facts, d))
            .ToList();
        var memoryGib = facts.NumaNodes.Sum(n => n.MemTotalKib) >> 20;
        var reserveGib = Math.Max(16, memoryGib / 10);
        var cpus = facts.Cpu?.Count ?? 0;
        var (vcpus, vmMemory) = gpus.Count == 0 ? (0, 0L) : Size(facts, gpus, cpus, memoryGib, reserveGib);
        var vendor = facts.Cpu?.IsAmd == true ? "amd" : "intel";
        return new DiscoveredHost(name, address, facts, OsDetection.Family(facts), vendor, memoryGib, reserveGib, gpus, vcpus, vmMemory);
    }

    private static DiscoveredGpu Gpu(HostFacts facts, PciDeviceFacts device)
    {
        var slot = device.Address[..^1];
        var vendor = device.VendorDevice[..4];
        // pci.ids without the card says "Device 2231": then the vendor and the id name it.
        var name = facts.Deep?.PciNames.GetValueOrDefault(device.Address) is { } names && !names.Device.StartsWith("Device ", StringComparison.Ordinal)
            ? names.Device
            : (vendor == Nvidia ? "NVIDIA " : "AMD ") + device.VendorDevice;
        var groupMates = device.IommuGroup is { } group ? facts.GroupMembers(group).Where(m => m.Address != device.Address && !m.IsBridge).ToList() : [];
        // The card's own functions go along: the GPU vendor's display, HD audio, USB and UCSI
        // functions of the slot (never a platform's PSP or USB controller that shares a bus).
        var companions = facts.PciDevices.Where(d => d.Address != device.Address && d.Address.StartsWith(slot, StringComparison.Ordinal)
                && d.VendorDevice.StartsWith(vendor, StringComparison.Ordinal) && CompanionClasses.Any(c => d.Class.StartsWith(c, StringComparison.Ordinal)))
            .OrderBy(d => d.Address, StringComparer.Ordinal).ToList();
        var taken = companions.Select(c => c.Address).ToHashSet(StringComparer.Ordinal);
        return new DiscoveredGpu(device, name, companions, [.. groupMates.Where(m => !taken.Contains(m.Address))]);
    }

    private static readonly string[] CompanionClasses = ["03", "0403", "0c03", "0c80"];

    /// <summary>
    /// An APU's GPU: on a bus that also holds the CPU vendor's own functions (AMD's PSP, USB and
    /// audio controllers beside the iGPU). It drives the host's display and is never passed through.
    /// </summary>
    private static bool Integrated(HostFacts facts, PciDeviceFacts device)
    {
        var bus = device.Address[..^4];
        return facts.PciDevices.Any(d => d.Address.StartsWith(bus, StringComparison.Ordinal) && d.VendorDevice.StartsWith("1022:", StringComparison.Ordinal) && !d.IsBridge);
    }

    /// <summary>Even vCPU counts and whole GiB, so that each NUMA node holds its GPUs' VMs (a VM is pinned to its GPU's node).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "called once per discovered host: the interface keeps the callers free to pass any list")]
    private static (int Vcpus, long MemoryGib) Size(HostFacts facts, IReadOnlyList<DiscoveredGpu> gpus, int cpus, long memoryGib, long reserveGib)
    {
        var vcpus = Math.Max(2, (cpus - HostCpus) / gpus.Count);
        var memory = (memoryGib - reserveGib) / gpus.Count;
        var nodes = facts.NumaNodes.Count;
        foreach (var node in facts.NumaNodes.Where(_ => nodes >= 2))
        {
            var onNode = gpus.Count(g => g.Device.NumaNode == node.Node);
            if (onNode == 0)
            {
                continue;
            }

            memory = Math.Min(memory, ((node.MemTotalKib >> 20) - (reserveGib / nodes)) / onNode);
            var nodeCpus = node.Cpus.Length == 0 ? cpus / nodes : CpuList.Count(node.Cpus);
            vcpus = Math.Min(vcpus, Math.Max(2, (nodeCpus - (HostCpus / nodes)) / onNode));
        }

        return (Math.Min(32, vcpus / 2 * 2), Math.Max(1, memory));
    }
}
