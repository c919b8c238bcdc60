namespace Provisioner.Core.Inventory.Model;

/// <summary>A loaded, validated inventory: defaults and groups already merged into each host.</summary>
public sealed record Inventory(string SourceFile, string? TemplatesDirectory, IReadOnlyList<Host> Hosts);
