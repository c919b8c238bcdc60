using System.Diagnostics;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Ssh;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>Logins through a real OpenSSH ssh-agent (our agent client): Ed25519 and RSA (rsa-sha2-512) keys, no key file on disk.</summary>
[Collection(LabCollection.Name)]
public sealed class SshAgentTests(Lab lab)
{
    private readonly Lab _lab = lab;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ConnectAsync_WithOnlyAnAgent_LogsInWithItsEd25519AndRsaKeys()
    {
        using var dir = new TempDirectory();
        var socket = Path.Combine(dir.Path, "agent.sock");
        var rsa = Path.Combine(dir.Path, "id_rsa");
        Assert.Equal(0, ExternalTool.Run("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-C", "rsa@test", "-f", rsa).ExitCode);
        using var agent = Process.Start(new ProcessStartInfo("ssh-agent", ["-D", "-a", socket]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            for (var i = 0; i < 50 && !File.Exists(socket); i++)
            {
                await Task.Delay(100);
            }

            // h6's deploy user accepts only the RSA key; root only the lab's Ed25519 key.
            Lab.Ssh("h6", $"echo '{File.ReadAllText(rsa + ".pub").Trim()}' > /home/deploy/.ssh/authorized_keys");
            Assert.Equal(0, ExternalTool.Run("env", "SSH_AUTH_SOCK=" + socket, "ssh-add", "-q", Path.Combine(Lab.Root, "keys", "admin_ed25519"), rsa).ExitCode);
            var noFile = Path.Combine(dir.Path, "no-such-key");

            using var asRoot = await SshConnection.ConnectAsync(Lab.Target("h6") with { IdentityFile = noFile, IdentityFileRequired = false, AgentSocket = socket }, Timeout, CancellationToken.None);
            using var asDeploy = await SshConnection.ConnectAsync(Lab.Target("h6") with { User = "deploy", IdentityFile = noFile, IdentityFileRequired = false, AgentSocket = socket }, Timeout, CancellationToken.None);

            Assert.Equal("root\n", (await asRoot.RunAsync("whoami", Timeout, CancellationToken.None)).Stdout);
            Assert.Equal("deploy\n", (await asDeploy.RunAsync("whoami", Timeout, CancellationToken.None)).Stdout);
            Assert.Contains("Accepted publickey for deploy from 127.0.0.1 port", File.ReadAllText(Path.Combine(Lab.Root, "hosts", "h6", "supervisor.log")), StringComparison.Ordinal);
            Assert.Contains("RSA SHA256:", File.ReadAllText(Path.Combine(Lab.Root, "hosts", "h6", "supervisor.log")), StringComparison.Ordinal);
        }
        finally
        {
            agent.Kill();
            Lab.Ssh("h6", $"cp /root/.ssh/authorized_keys /home/deploy/.ssh/authorized_keys");
        }

        // Without the agent and without the file: a clear error naming both.
        var error = await Assert.ThrowsAsync<RemoteException>(() => SshConnection.ConnectAsync(Lab.Target("h6") with { IdentityFile = Path.Combine(dir.Path, "none"), IdentityFileRequired = false }, Timeout, CancellationToken.None));
        Assert.Contains("does not exist and no ssh-agent is running (SSH_AUTH_SOCK is unset)", error.Message, StringComparison.Ordinal);
    }
}
