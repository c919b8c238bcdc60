using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

[Doc("A Provisioner inventory: the GPU hosts of a fleet and the worker VM each GPU gets.")]
public sealed class InventoryDto : Dto
{
    [RequiredKey, ScalarType("integer"), Doc("Inventory format version. Only 1 exists.")]
    public YamlScalar? Version { get; set; }

    [Doc("Directory of templates that override the built-in ones (same relative names, e.g. host/modprobe-vfio.conf.sbn). Relative to this file.")]
    public YamlScalar? Templates { get; set; }

    [Doc("Settings every host starts from.")]
    public HostSettingsDto? Defaults { get; set; }

    [Doc("Named sets of settings; a host that names a group takes the group's settings over the defaults.")]
    public Dictionary<string, HostSettingsDto>? Groups { get; set; }

    [Doc("The farm's own services (the HTTP service's address and token).")]
    public FarmDto? Farm { get; set; }

    [RequiredKey, Doc("The GPU hosts.")]
    public List<HostDto>? Hosts { get; set; }
}
