using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class SshDto : Dto
{
    [Doc("Login user (default root). A non-root user must have passwordless sudo.")]
    public YamlScalar? User { get; set; }

    [ScalarType("integer"), Doc("SSH port (default 22).")]
    public YamlScalar? Port { get; set; }

    [Doc("Private key file (default: the SSH agent, then ~/.ssh/id_ed25519).")]
    public YamlScalar? IdentityFile { get; set; }

    [Doc("known_hosts file checked for the host key (default ~/.ssh/known_hosts).")]
    public YamlScalar? KnownHosts { get; set; }

    [OneOf("strict", "accept-new"), Doc("'strict' (default) refuses unknown or changed host keys; 'accept-new' records an unknown key, still refuses a changed one.")]
    public YamlScalar? HostKeyPolicy { get; set; }
}
