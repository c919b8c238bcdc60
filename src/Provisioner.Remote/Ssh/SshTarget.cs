using Provisioner.Core.Inventory.Model;

namespace Provisioner.Remote.Ssh;

/// <summary>
/// Everything needed to open one host's SSH connection; paths are already expanded.
/// Keys, as OpenSSH tries them: the ssh-agent's (when <see cref="AgentSocket"/> is set), then
/// <see cref="IdentityFile"/>. A missing identity file is an error only when the inventory named
/// it (<see cref="IdentityFileRequired"/>) or there is no agent to fall back on.
/// </summary>
public sealed record SshTarget(
    string Name,
    string Address,
    int Port,
    string User,
    string IdentityFile,
    string KnownHostsFile,
    HostKeyPolicy HostKeyPolicy)
{
    /// <summary>The ssh-agent's socket ($SSH_AUTH_SOCK), or null for none.</summary>
    public string? AgentSocket { get; init; }

    public bool IdentityFileRequired { get; init; } = true;

    /// <summary>From an inventory host; <paramref name="home"/> expands '~/' and <paramref name="agentSocket"/> is $SSH_AUTH_SOCK (both passed in, not read from the environment here).</summary>
    public static SshTarget For(Host host, string home, string? agentSocket = null) => new(
        host.Name,
        host.Address,
        host.Ssh.Port,
        host.Ssh.User,
        Expand(host.Ssh.IdentityFile ?? "~/.ssh/id_ed25519", home),
        Expand(host.Ssh.KnownHosts, home),
        host.Ssh.HostKeyPolicy)
    {
        AgentSocket = string.IsNullOrEmpty(agentSocket) ? null : agentSocket,
        IdentityFileRequired = host.Ssh.IdentityFile is not null,
    };

    /// <summary>'~/' at the start of <paramref name="path"/> means <paramref name="home"/>.</summary>
    public static string Expand(string path, string home) => path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
}
