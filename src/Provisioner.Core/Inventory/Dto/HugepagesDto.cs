using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class HugepagesDto : Dto
{
    [OneOf("2M", "1G"), Doc("Page size (default 1G: reserved on the kernel command line at boot).")]
    public YamlScalar? Size { get; set; }

    [ScalarType("integer", "string"), Doc("Number of pages, or 'auto' (default) for exactly what the hugepage-backed VMs need.")]
    public YamlScalar? Count { get; set; }
}
