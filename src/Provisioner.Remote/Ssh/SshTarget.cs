using Provisioner.Core.Inventory.Model;

namespace Provisioner.Remote.Ssh;

/// <summary>Everything needed to open one host's SSH connection; paths are already expanded.</summary>
public sealed record SshTarget(
    string Name,
    string Address,
    int Port,
    string User,
    string IdentityFile,
    string KnownHostsFile,
    HostKeyPolicy HostKeyPolicy)
{
    /// <summary>From an inventory host; <paramref name="home"/> expands '~/' (passed in, not read from the environment here).</summary>
    public static SshTarget For(Host host, string home) => new(
        host.Name,
        host.Address,
        host.Ssh.Port,
        host.Ssh.User,
        Expand(host.Ssh.IdentityFile ?? "~/.ssh/id_ed25519", home),
        Expand(host.Ssh.KnownHosts, home),
        host.Ssh.HostKeyPolicy);

    private static string Expand(string path, string home) => path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
}
