using System.Text.RegularExpressions;
using Provisioner.Core.Inventory.Model;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Ssh;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>Our SSH connection against the lab's real sshd: host keys checked, one connection per host.</summary>
[Collection(LabCollection.Name)]
public sealed class SshConnectionTests(Lab lab)
{
    private readonly Lab _lab = lab;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static SshTarget Target(string host, string? knownHosts = null, HostKeyPolicy policy = HostKeyPolicy.Strict) => Lab.Target(host, knownHosts, policy);

    [Fact]
    public async Task RunAsync_ManyCommands_UseOneConnection()
    {
        var log = Path.Combine(Lab.Root, "hosts", "h5", "supervisor.log");
        var before = Accepted(log);
        using var connection = await SshConnection.ConnectAsync(Target("h5"), Timeout, CancellationToken.None);

        var results = new List<CommandResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await connection.RunAsync($"echo out-{i}; echo err-{i} >&2; exit {i}", Timeout, CancellationToken.None));
        }

        Assert.Equal([0, 1, 2, 3, 4], results.Select(r => r.ExitCode));
        Assert.Equal("out-3\n", results[3].Stdout);
        Assert.Equal("err-3\n", results[3].Stderr);
        Assert.Equal(before + 1, Accepted(log)); // sshd (LogLevel VERBOSE) logs one accepted login per connection
    }

    /// <summary>
    /// A script that exits before its end (the host lock's 'take; exit 0'). Fed to 'sh -s', sh
    /// closed the channel while we still sent the rest or its EOF: "unexpected
    /// InvalidOperationException: The channel is closed." in a CI apply, or sshd dropping the
    /// connection. A long tail after the exit made it happen every time here. The script's exit
    /// status is the answer, and the connection stays good.
    /// </summary>
    [Fact]
    public async Task RunScriptAsync_ScriptExitsBeforeItsEnd_GivesItsExitStatus()
    {
        using var connection = await SshConnection.ConnectAsync(Target("h5"), Timeout, CancellationToken.None);
        var tail = string.Concat(Enumerable.Repeat("# the rest of the script, never read\n", 20_000));

        for (var i = 0; i < 20; i++)
        {
            var result = await connection.RunScriptAsync("echo started; exit 7\n" + tail, sudo: false, Timeout, CancellationToken.None);

            Assert.Equal((7, "started\n"), (result.ExitCode, result.Stdout));
        }

        // The connection is still good for the next command.
        Assert.Equal(0, (await connection.RunAsync("true", Timeout, CancellationToken.None)).ExitCode);
    }

    [Fact]
    public async Task ConnectAsync_ChangedHostKey_IsRefusedWithTheFingerprint()
    {
        using var dir = new TempDirectory();
        var h2 = File.ReadAllLines(Lab.KnownHosts).First(l => l.StartsWith(Lab.Address("h2") + " ", StringComparison.Ordinal));
        var knownHosts = dir.File("known_hosts", Lab.Address("h5") + h2[h2.IndexOf(' ', StringComparison.Ordinal)..] + "\n");

        var error = await Assert.ThrowsAsync<RemoteException>(() => SshConnection.ConnectAsync(Target("h5", knownHosts), Timeout, CancellationToken.None));

        Assert.Contains("HOST KEY CHANGED", error.Message, StringComparison.Ordinal);
        Assert.Contains("SHA256:", error.Message, StringComparison.Ordinal);
        Assert.Contains("ssh-keygen -R", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_UnknownHostStrict_IsRefusedAndNothingIsRecorded()
    {
        using var dir = new TempDirectory();
        var knownHosts = dir.File("known_hosts", "");

        var error = await Assert.ThrowsAsync<RemoteException>(() => SshConnection.ConnectAsync(Target("h5", knownHosts), Timeout, CancellationToken.None));

        Assert.Contains("is not in", error.Message, StringComparison.Ordinal);
        Assert.Contains("accept-new", error.Fix, StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(knownHosts));
    }

    [Fact]
    public async Task ConnectAsync_UnknownHostAcceptNew_RecordsTheKeyThenStrictWorks()
    {
        using var dir = new TempDirectory();
        var knownHosts = Path.Combine(dir.Path, "known_hosts");

        using (await SshConnection.ConnectAsync(Target("h5", knownHosts, HostKeyPolicy.AcceptNew), Timeout, CancellationToken.None))
        {
        }

        var recorded = File.ReadAllText(knownHosts);
        Assert.StartsWith(Lab.Address("h5") + " ssh-ed25519 ", recorded, StringComparison.Ordinal);
        using var strict = await SshConnection.ConnectAsync(Target("h5", knownHosts), Timeout, CancellationToken.None);
        Assert.Equal("h5\n", (await strict.RunAsync("hostname", Timeout, CancellationToken.None)).Stdout);
    }

    [Fact]
    public async Task RunAsync_CommandOverItsTimeout_FailsInsteadOfHanging()
    {
        using var connection = await SshConnection.ConnectAsync(Target("h5"), Timeout, CancellationToken.None);

        var error = await Assert.ThrowsAsync<RemoteException>(() => connection.RunAsync("sleep 30", TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Contains("did not finish within 1 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NoSshdAtTheAddress_SaysSoClearly()
    {
        var target = Target("h5") with { Address = "127.0.2.250" };

        var error = await Assert.ThrowsAsync<RemoteException>(() => SshConnection.ConnectAsync(target, TimeSpan.FromSeconds(3), CancellationToken.None));

        Assert.Contains("cannot connect to root@127.0.2.250:22", error.Message, StringComparison.Ordinal);
    }

    private static int Accepted(string log) => Regex.Count(File.ReadAllText(log), "Accepted publickey for root");
}
