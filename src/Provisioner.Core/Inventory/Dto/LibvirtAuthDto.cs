using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class LibvirtAuthDto : Dto
{
    [RequiredKey, Doc("User name the libvirt daemon asks for (SASL).")]
    public YamlScalar? Username { get; set; }

    [RequiredKey, Doc("Its password as a reference: ${env:NAME} or ${file:/path}. Never inline.")]
    public YamlScalar? Password { get; set; }
}
