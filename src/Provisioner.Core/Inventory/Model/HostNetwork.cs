using System.Net;
using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

public sealed record HostNetwork(Bridge Bridge, Bond? Bond);

/// <summary>The bridge VMs attach to; its uplink is <see cref="Interface"/> or the bond.</summary>
public sealed record Bridge(string Name, string? Interface, IpCidr? Address, IPAddress? Gateway, IReadOnlyList<IPAddress> Dns, int Mtu);

public sealed record Bond(string Name, string Mode, IReadOnlyList<string> Interfaces);
