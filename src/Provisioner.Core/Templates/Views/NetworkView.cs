namespace Provisioner.Core.Templates.Views;

/// <summary>`net.*` in network templates; `port.*` names one member NIC.</summary>
public sealed record NetworkView(BridgeView Bridge, BondView? Bond, IReadOnlyList<string> Nics);

public sealed record BridgeView(string Name, string? Interface, string Uplink, string? Address, string? Ip, int? Prefix, string? Gateway, IReadOnlyList<string> Dns, int Mtu);

public sealed record BondView(string Name, string Mode, bool Lacp, IReadOnlyList<string> Interfaces, IReadOnlyList<BondOption> Options, string OptionsIfcfg);

public sealed record BondOption(string Key, string Value);

public sealed record PortView(string Name, string Master, bool MasterIsBond);
