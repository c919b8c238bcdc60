using System.Security.Cryptography;
using System.Text;
using Provisioner.Core.Desired;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Apply;
using Provisioner.Remote.Ssh;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>The building blocks of apply against a real host: the host lock and atomic, backed-up file writes.</summary>
[Collection(LabCollection.Name)]
public sealed class ApplyPrimitiveTests(Lab lab)
{
    private readonly Lab _lab = lab;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static ManagedFile File(string path, string content, string mode = "0644") =>
        new(path, content, mode, "root", "root", false, [], "test", "test");

    [Fact]
    public async Task HostLock_SecondRunIsRefusedSameRunReentersAndReleaseFrees()
    {
        using var first = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);
        using var second = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);
        Assert.Null(await HostLock.AcquireAsync(first, "run-a", "ops@control", sudo: false, Timeout, CancellationToken.None));

        var refused = await Assert.ThrowsAsync<RemoteException>(() => HostLock.AcquireAsync(second, "run-b", "ci@control", sudo: false, Timeout, CancellationToken.None));
        await HostLock.AcquireAsync(first, "run-a", "ops@control", sudo: false, Timeout, CancellationToken.None); // the same run, e.g. after its reboot
        await HostLock.ReleaseAsync(second, "run-b", sudo: false, Timeout, CancellationToken.None); // not ours: must not free it
        var stillHeld = Lab.Ssh("h6", "cat /var/lib/provision/lock/owner").Stdout;
        await HostLock.ReleaseAsync(first, "run-a", sudo: false, Timeout, CancellationToken.None);
        Assert.Null(await HostLock.AcquireAsync(second, "run-b", "ci@control", sudo: false, Timeout, CancellationToken.None));
        await HostLock.ReleaseAsync(second, "run-b", sudo: false, Timeout, CancellationToken.None);

        Assert.Matches("another apply holds the host lock: run run-a by ops@control \\(boot [0-9a-f-]{36}, sshd pid [0-9]+\\)", refused.Message);
        Assert.StartsWith("run-a ", stillHeld, StringComparison.Ordinal);
        Assert.NotEqual(0, Lab.Ssh("h6", "test -e /var/lib/provision/lock").ExitCode);
    }

    [Fact]
    public async Task HostLock_HolderWhoseConnectionIsGone_IsTakenOverAsStale()
    {
        var dead = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);
        await HostLock.AcquireAsync(dead, "run-dead", "ops@control", sudo: false, Timeout, CancellationToken.None);
        dead.Dispose(); // the run dies without releasing: its sshd session ends with the connection
        using var next = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);

        string? stale = null;
        for (var i = 0; i < 20 && stale is null; i++)
        {
            try
            {
                stale = await HostLock.AcquireAsync(next, "run-next", "ci@control", sudo: false, Timeout, CancellationToken.None);
            }
            catch (RemoteException) when (i < 19)
            {
                await Task.Delay(100); // sshd may take a moment to notice the closed connection
            }
        }

        await HostLock.ReleaseAsync(next, "run-next", sudo: false, Timeout, CancellationToken.None);
        Assert.NotNull(stale);
        Assert.StartsWith("run run-dead by ops@control", stale, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostLock_LeasedForAReboot_HoldsAcrossTheBootUntilTheLeaseEnds()
    {
        using (var first = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None))
        {
            await HostLock.AcquireAsync(first, "run-boot", "ops@control", sudo: false, Timeout, CancellationToken.None);
            await HostLock.LeaseForRebootAsync(first, "run-boot", TimeSpan.FromMinutes(10), sudo: false, Timeout, CancellationToken.None);
        }

        // Another boot: the leased lock holds; with the lease over, it is stale.
        Lab.Ssh("h6", "D=/var/lib/provision/lock; read -r r b p l h < $D/owner; printf '%s other-boot %s %s %s\\n' \"$r\" \"$p\" \"$l\" \"$h\" > $D/owner");
        using var second = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);
        await Assert.ThrowsAsync<RemoteException>(() => HostLock.AcquireAsync(second, "run-other", "ci@control", sudo: false, Timeout, CancellationToken.None));
        Lab.Ssh("h6", "D=/var/lib/provision/lock; read -r r b p l h < $D/owner; printf '%s %s %s %s %s\\n' \"$r\" \"$b\" \"$p\" $(( $(date +%s) - 1 )) \"$h\" > $D/owner");
        var stale = await HostLock.AcquireAsync(second, "run-other", "ci@control", sudo: false, Timeout, CancellationToken.None);
        await HostLock.ReleaseAsync(second, "run-other", sudo: false, Timeout, CancellationToken.None);

        Assert.StartsWith("run run-boot by ops@control (boot other-boot", stale, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileBatch_WritesEveryFileWithModeAndBacksUpThePreviousVersion()
    {
        Lab.Ssh("h6", "mkdir -p /etc/provision-test && printf 'old\\n' > /etc/provision-test/a.conf && chmod 600 /etc/provision-test/a.conf && rm -f /etc/provision-test/b.sh");
        using var connection = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);
        var files = new[] { File("/etc/provision-test/a.conf", "new 'quoted' $(content)\n"), File("/etc/provision-test/b.sh", "#!/bin/sh\necho hi\n", "0755") };

        var written = await FileBatch.WriteAsync(connection, files, "run-files", sudo: false, Timeout, CancellationToken.None);

        Assert.Equal(["/etc/provision-test/a.conf", "/etc/provision-test/b.sh"], written);
        Assert.Equal("new 'quoted' $(content)\n", Lab.Ssh("h6", "cat /etc/provision-test/a.conf").Stdout);
        Assert.Equal("644 root root\n755 root root\n", Lab.Ssh("h6", "stat -c '%a %U %G' /etc/provision-test/a.conf /etc/provision-test/b.sh").Stdout);
        Assert.Equal("old\n", Lab.Ssh("h6", "cat /var/lib/provision/backups/run-files/etc/provision-test/a.conf").Stdout);
        Assert.Equal("600\n", Lab.Ssh("h6", "stat -c %a /var/lib/provision/backups/run-files/etc/provision-test/a.conf").Stdout);
        Assert.Equal("", Lab.Ssh("h6", "ls -A /etc/provision-test | grep provision-new || true").Stdout);
    }

    [Fact]
    public async Task FileBatch_HostDiesMidBatch_EveryFileIsOldOrNewNeverPartial()
    {
        // 120 files of 64 KiB, each synced: long enough to be cut in the middle.
        Lab.Ssh("h6", "rm -rf /etc/provision-cut && mkdir -p /etc/provision-cut && for i in $(seq 0 119); do printf 'old %s\\n' $i > /etc/provision-cut/f$i; done");
        var big = new string('x', 64 * 1024);
        var files = Enumerable.Range(0, 120).Select(i => File($"/etc/provision-cut/f{i}", $"new {i}\n{big}\n")).ToList();
        using (var connection = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None))
        {
            var batch = FileBatch.WriteAsync(connection, files, "run-cut", sudo: false, Timeout, CancellationToken.None);
            await WaitUntilAsync(() => Lab.Ssh("h6", "ls /var/lib/provision/backups/run-cut/etc/provision-cut 2>/dev/null | wc -l").Stdout.Trim() is var n && int.TryParse(n, out var c) && c >= 20);
            Lab.Ssh("h6", "kill -KILL -1; kill -TERM 1"); // every process, then sshd (PID 1): the namespace ends mid-write
            await Assert.ThrowsAnyAsync<Exception>(() => batch);
        }

        Lab.Run("up", "6");
        var listing = Lab.Ssh("h6", "cd /etc/provision-cut && for f in f*; do printf '%s %s\\n' \"$f\" \"$(sha256sum < \"$f\" | cut -c1-64)\"; done; ls -A | grep -c provision-new || true").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var hashes = listing[..^1].ToDictionary(l => l.Split(' ')[0], l => l.Split(' ')[1]);
        var newCount = 0;
        for (var i = 0; i < 120; i++)
        {
            var old = Sha($"old {i}\n");
            var fresh = Sha($"new {i}\n{big}\n");
            Assert.True(hashes[$"f{i}"] == old || hashes[$"f{i}"] == fresh, $"f{i} is neither the old nor the new content");
            newCount += hashes[$"f{i}"] == fresh ? 1 : 0;
        }

        Assert.InRange(newCount, 1, 119); // really cut in the middle
        // Re-running the batch converges.
        using var again = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);
        Assert.Equal(120, (await FileBatch.WriteAsync(again, files, "run-cut-2", sudo: false, Timeout, CancellationToken.None)).Count);
        Assert.Equal("120\n", Lab.Ssh("h6", "grep -l '^new ' /etc/provision-cut/f* | wc -l").Stdout);
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "condition not met within 20 s");
            await Task.Delay(20);
        }
    }
}
