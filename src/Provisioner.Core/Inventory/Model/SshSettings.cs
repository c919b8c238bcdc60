namespace Provisioner.Core.Inventory.Model;

/// <summary>How to reach a host. Paths are on the control machine; ~ is expanded when connecting.</summary>
public sealed record SshSettings(string User, int Port, string? IdentityFile, string KnownHosts, HostKeyPolicy HostKeyPolicy);
