using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class GpuModelDto : Dto
{
    [Doc("Marketing name, for plans and runbooks (e.g. 'RTX A5000').")]
    public YamlScalar? Name { get; set; }

    [ScalarType("number"), Doc("What an hour of one such GPU costs (rent, power, amortisation), in your currency unit, e.g. 0.85. Each worker VM counts its tasks' time at this rate: a job reports its GPU-seconds, cost and cost per frame, and the farm its cost per hour. Per slot: gpus[].model.hourly_cost.")]
    public YamlScalar? HourlyCost { get; set; }

    [ScalarType("integer"), Doc("GPU temperature in °C above which the worker flags its tasks and itself hot (default 80: RTX A cards slow down above about that).")]
    public YamlScalar? TemperatureLimit { get; set; }

    [Doc("The PCI functions of one GPU slot, all passed to its VM (default: function 0 only). List the HDMI audio function too.")]
    public List<GpuFunctionDto>? Functions { get; set; }
}

public sealed class GpuFunctionDto : Dto
{
    [RequiredKey, ScalarType("integer"), Doc("PCI function number, 0-7.")]
    public YamlScalar? Function { get; set; }

    [Doc("Expected vendor:device id, e.g. 10de:2231. Bound to vfio-pci by id.")]
    public YamlScalar? Id { get; set; }

    [Doc("The module of the host driver that would claim this function before vfio-pci (its name at /sys/bus/pci/drivers/DRIVER/module: amdgpu, e1000e, i2c_nvidia_gpu for driver nvidia-gpu). Adds 'softdep MODULE pre: vfio-pci'; nouveau, nvidia, nvidiafb and snd_hda_intel are always covered. Optional: the early rebind by address in the initramfs moves every function anyway, including those of drivers built into the kernel (where a softdep never acts).")]
    public YamlScalar? HostDriver { get; set; }
}
