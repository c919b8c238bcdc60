using System.Xml.Linq;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>
/// Places a worker VM on its GPU's NUMA node, from the host's facts: the vCPUs pinned to that
/// node's CPUs, guest memory (hugepages included) from that node only. A render that crosses
/// the socket interconnect for every frame buffer transfer is the slow path this avoids. Only
/// where it means something (two nodes or more) and where the facts say which node (the GPU's
/// numa_node, the node's cpulist); otherwise the domain stays unpinned and a note says why.
/// </summary>
public static class NumaPlacement
{
    public static (string Xml, string? Note) Place(VmDesiredState vm, HostFacts facts)
    {
        if (!vm.Vm.NumaPlacement || facts.NumaNodes.Count < 2)
        {
            return (vm.Domain.Xml, null);
        }

        var device = facts.Device(vm.Gpu.Address.ToString());
        var node = device is null ? null : facts.NumaNodes.FirstOrDefault(n => n.Node == device.NumaNode);
        if (node is null || node.Cpus.Length == 0)
        {
            return (vm.Domain.Xml, $"{vm.Vm.Name} is not pinned: the host does not say which NUMA node GPU {vm.Gpu.Address} is on");
        }

        var document = XDocument.Parse(vm.Domain.Xml, LoadOptions.PreserveWhitespace);
        var domain = document.Root!;
        var vcpu = domain.Element("vcpu")!;
        vcpu.SetAttributeValue("cpuset", node.Cpus);
        var nodeset = node.Node.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // numatune binds ALL guest memory, hugepages included, to the host node (a hugepage
        // <page nodeset=...> would name a guest NUMA node, which these VMs do not have).
        vcpu.AddAfterSelf(new XText("\n  "), new XElement("numatune", new XText("\n    "), new XElement("memory", new XAttribute("mode", "strict"), new XAttribute("nodeset", nodeset)), new XText("\n  ")));
        // Top-level comments (our header) come first; XDocument keeps no whitespace between them and the root.
        var header = string.Concat(document.Nodes().OfType<XComment>().Select(c => c + "\n"));
        return (header + domain.ToString(SaveOptions.DisableFormatting) + "\n", null);
    }
}
