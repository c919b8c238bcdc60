using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class GpuDto : Dto
{
    [RequiredKey, Doc("PCI address of function 0, e.g. 0000:65:00.0 (the domain 0000: may be left out).")]
    public YamlScalar? Address { get; set; }

    [Doc("Overrides the host's gpu_model for this slot.")]
    public GpuModelDto? Model { get; set; }

    [Doc("Overrides of the worker VM settings for this GPU's VM (name, static address, MAC...).")]
    public VmDto? Vm { get; set; }
}
