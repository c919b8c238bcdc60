using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class HostNetworkDto : Dto
{
    [Doc("The bridge VMs attach to.")]
    public BridgeDto? Bridge { get; set; }

    [Doc("Optional LACP (or other mode) bond used as the bridge's uplink.")]
    public BondDto? Bond { get; set; }
}

public sealed class BridgeDto : Dto
{
    [Doc("Bridge interface name (default br0).")]
    public YamlScalar? Name { get; set; }

    [Doc("Single NIC uplink (when there is no bond).")]
    public YamlScalar? Interface { get; set; }

    [Doc("Host address with prefix on the bridge, e.g. 10.20.0.11/24.")]
    public YamlScalar? Address { get; set; }

    [Doc("Default gateway.")]
    public YamlScalar? Gateway { get; set; }

    [Doc("DNS servers.")]
    public List<YamlScalar>? Dns { get; set; }

    [ScalarType("integer"), Doc("MTU (default 1500).")]
    public YamlScalar? Mtu { get; set; }
}

public sealed class BondDto : Dto
{
    [Doc("Bond interface name (default bond0).")]
    public YamlScalar? Name { get; set; }

    [OneOf("802.3ad", "active-backup", "balance-alb"), Doc("Bonding mode (default 802.3ad, i.e. LACP).")]
    public YamlScalar? Mode { get; set; }

    [Doc("Member NICs, at least two.")]
    public List<YamlScalar>? Interfaces { get; set; }
}
