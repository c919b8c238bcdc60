using System.Globalization;
using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.RealKernel;

/// <summary>
/// One real-kernel lab host (tests/qemu-host, docs/lab.md): Debian 12 booted by QEMU's software
/// emulation from a throw-away overlay of the cached image, with an emulated Intel IOMMU, the edu
/// device and an e1000e standing in for GPUs, its sshd on a free 127.0.0.1 port. Disposing powers it
/// off and deletes the overlay.
/// </summary>
public sealed class QemuHost : IDisposable
{
    /// <summary>Where host.sh puts the image's admin key and the known_hosts line (inventories/lab-qemu.yaml names both).</summary>
    public const string State = "/var/lib/provision-lab/qemu-host";

    private static readonly string Scripts = Repo.Path("tests", "qemu-host");

    private readonly TempDirectory _dir;

    private QemuHost(TempDirectory dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The serial console of every boot so far (for a failure message).</summary>
    public string Console => File.Exists(Path.Combine(_dir.Path, "console.log")) ? File.ReadAllText(Path.Combine(_dir.Path, "console.log")) : "";

    /// <summary>Builds the image unless cached (~7 min once), boots it, and returns once root can log in by key.</summary>
    public static async Task<QemuHost> StartAsync(TimeSpan bootTimeout, CancellationToken cancellationToken)
    {
        var build = ExternalTool.Run(TimeSpan.FromMinutes(30), null, Path.Combine(Scripts, "image.sh"), "build");
        Assert.True(build.ExitCode == 0, "building the real-kernel host image failed: " + build);

        var dir = new TempDirectory();
        var host = new QemuHost(dir, LocalPort.Free());
        try
        {
            var started = ExternalTool.Run(Path.Combine(Scripts, "host.sh"), "start", dir.Path, host.Port.ToString(CultureInfo.InvariantCulture));
            Assert.True(started.ExitCode == 0, "host.sh start failed: " + started);
            await host.WaitForSshAsync(bootTimeout, cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Runs a shell command on the host as root with the real OpenSSH client (strict host key checking).</summary>
    public ExternalTool.Result Ssh(string command) => ExternalTool.Run(TimeSpan.FromMinutes(3), null, "ssh",
        "-i", Path.Combine(State, "admin_ed25519"), "-o", "UserKnownHostsFile=" + Path.Combine(State, "known_hosts"),
        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
        "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
        "-p", Port.ToString(CultureInfo.InvariantCulture), "root@127.0.0.1", command);

    /// <summary>The command's standard output, failing the test when it fails.</summary>
    public string Read(string command)
    {
        var result = Ssh(command);
        Assert.True(result.ExitCode == 0, $"'{command}' on the QEMU host: {result}");
        return result.Stdout;
    }

    private async Task WaitForSshAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ExternalTool.Result? last = null;
        while (clock.Elapsed < timeout)
        {
            last = Ssh("cat /proc/sys/kernel/random/boot_id");
            if (last.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }

        Assert.Fail($"the QEMU host did not answer SSH within {timeout.TotalSeconds:F0} s: {last}\nconsole:\n{Tail(Console, 40)}");
    }

    /// <summary>
    /// The emulated machine's own kernel reported that it wedged: a CPU stuck in the kernel or RCU
    /// starved. Under TCG on a busy runner a lost timer interrupt on one vCPU does that (seen once in
    /// CI: cpu 0's timer softirq count frozen, cpu 1 spinning in QEMU's process for 9 minutes). No
    /// assertion about our tool can be read from such a run; on a real server this cannot happen.
    /// </summary>
    public bool EmulatorStalled => Stalled(Console);

    public static bool Stalled(string console) =>
        console.Contains("watchdog: BUG: soft lockup", StringComparison.Ordinal)
        || console.Contains("rcu_preempt self-detected stall", StringComparison.Ordinal)
        || console.Contains("rcu_preempt detected stalls", StringComparison.Ordinal);

    /// <summary>Cancels <paramref name="stop"/> as soon as the console shows a stall (polled every 5 s) until <paramref name="cancellationToken"/> ends the watch.</summary>
    public async Task CancelOnStallAsync(CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (EmulatorStalled)
                {
                    await stop.CancelAsync();
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // the watch ended with the step it guarded
        }
    }

    public static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    public void Dispose()
    {
        ExternalTool.Run(Path.Combine(Scripts, "host.sh"), "stop", _dir.Path);
        _dir.Dispose();
    }
}
