using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

[Doc("One GPU host.")]
public sealed class HostDto : HostSettingsDto
{
    [RequiredKey, Doc("Host name: lower-case letters, digits and '-', unique in the inventory.")]
    public YamlScalar? Name { get; set; }

    [RequiredKey, Doc("Address SSH connects to (IP or DNS name).")]
    public YamlScalar? Address { get; set; }

    [Doc("Name of a group under 'groups' whose settings this host takes.")]
    public YamlScalar? Group { get; set; }

    [OrScalar("auto", nameof(GpusScalar)), Doc("The GPUs to pass through, one worker VM each; or 'auto' to take every GPU found when the host is probed.")]
    public List<GpuDto>? Gpus { get; set; }

    [NotAKey]
    public YamlScalar? GpusScalar { get; set; }
}
