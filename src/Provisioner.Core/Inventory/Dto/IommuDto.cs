using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class IommuDto : Dto
{
    [ScalarType("boolean"), Doc("Add iommu=pt (default true): host devices skip IOMMU translation.")]
    public YamlScalar? Passthrough { get; set; }

    [ScalarType("boolean"), Doc("Add pcie_acs_override=downstream,multifunction (default false). Needs a patched kernel and weakens isolation.")]
    public YamlScalar? AcsOverride { get; set; }
}
