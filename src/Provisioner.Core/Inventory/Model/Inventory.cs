using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>A loaded, validated inventory: defaults and groups already merged into each host.</summary>
public sealed record Inventory(string SourceFile, string? TemplatesDirectory, IReadOnlyList<Host> Hosts)
{
    /// <summary>farm.service: where `provision farm serve` listens and the token it asks for.</summary>
    public FarmServiceSettings FarmService { get; init; } = FarmServiceSettings.Defaults;

    /// <summary>farm.storage: the share every worker VM mounts; null when the inventory has none.</summary>
    public FarmStorage? FarmStorage { get; init; }
}

/// <summary>
/// farm.storage: an NFS export every worker VM mounts at <see cref="MountPath"/>. <see cref="Options"/>
/// are the mount options as fstab takes them (vers= first, _netdev last).
/// </summary>
public sealed record FarmStorage(string Server, string Export, string MountPath, string Version, IReadOnlyList<string> Options)
{
    public const string DefaultMountPath = "/srv/farm";

    /// <summary>Where the VM mounts from: SERVER:/export, an IPv6 address in brackets.</summary>
    public string Source => (Server.Contains(':', StringComparison.Ordinal) ? "[" + Server + "]" : Server) + ":" + Export;

    public string FstabOptions => string.Join(',', Options.Prepend("vers=" + Version).Append("_netdev"));

    /// <summary>The defaults the source material uses: noatime; v3 without a lock daemon (nolock, local_lock=all).</summary>
    public static IReadOnlyList<string> DefaultOptions(string version) => version == "3" ? ["noatime", "nolock", "local_lock=all"] : ["noatime"];
}

/// <summary>farm.service, checked at load: a <see cref="Listen"/> other than loopback has a <see cref="Token"/>.</summary>
public sealed record FarmServiceSettings(string? Listen, SecretRef? Token)
{
    public static readonly FarmServiceSettings Defaults = new(null, null);
}
