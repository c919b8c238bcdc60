using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class HugepagesDto : Dto
{
    [OneOf("2M", "1G"), Doc("Page size (default 1G: hugepagesz=1G on the kernel command line; a change reboots, as 1 GiB pages are reliably reserved only early at boot).")]
    public YamlScalar? Size { get; set; }

    [ScalarType("integer", "string"), Doc("Number of pages, or 'auto' (default) for exactly what the hugepage-backed VMs need. provision-hugepages.service reserves them early at every boot, each NUMA node the pages of the VMs pinned to its GPUs (read from each GPU's numa_node) and an even share of the rest; never hugepages=N on the command line, which the kernel splits evenly.")]
    public YamlScalar? Count { get; set; }
}
