using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>A loaded, validated inventory: defaults and groups already merged into each host.</summary>
public sealed record Inventory(string SourceFile, string? TemplatesDirectory, IReadOnlyList<Host> Hosts)
{
    /// <summary>farm.service: where `provision farm serve` listens and the token it asks for.</summary>
    public FarmServiceSettings FarmService { get; init; } = FarmServiceSettings.Defaults;
}

/// <summary>farm.service, checked at load: a <see cref="Listen"/> other than loopback has a <see cref="Token"/>.</summary>
public sealed record FarmServiceSettings(string? Listen, SecretRef? Token)
{
    public static readonly FarmServiceSettings Defaults = new(null, null);
}
