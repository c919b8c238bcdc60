using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Reboots a host and proves it: the reboot is sent detached (so the SSH command returns before
/// the host goes down), then we reconnect until /proc/sys/kernel/random/boot_id differs — SSH
/// answering is no proof, the old sshd may still be up. A host that does not come back in time
/// is a failure of that host only.
/// </summary>
public sealed class RebootOrchestrator(TimeProvider time, TimeSpan pollInterval, TimeSpan connectTimeout, TimeSpan commandTimeout)
{
    private const string BootIdCommand = "cat /proc/sys/kernel/random/boot_id";

    // systemd-run returns at once and reboots a second later; hosts without systemd get a detached reboot.
    private const string DetachedReboot =
        "if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null; then systemd-run --on-active=1 systemctl reboot >/dev/null; "
        + "else nohup sh -c 'sleep 1; reboot' >/dev/null 2>&1 & fi";

    public async Task<IHostShell> RebootAsync(IHostShell connection, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var host = connection.HostName;
        var before = (await connection.RunScriptAsync(BootIdCommand, false, commandTimeout, cancellationToken).ConfigureAwait(false)).Stdout.Trim();
        var sent = await connection.RunScriptAsync(DetachedReboot, sudo, commandTimeout, cancellationToken).ConfigureAwait(false);
        if (!sent.Succeeded)
        {
            throw new RemoteException(host, $"the reboot command failed (exit {sent.ExitCode}): {sent.Stderr.Trim()}", "reboot the host by hand, then re-run apply");
        }

        // The old connection dies with the host; it still knows how to dial the host anew.
        connection.Dispose();
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(pollInterval, time, cancellationToken).ConfigureAwait(false);
            IHostShell? candidate = null;
            try
            {
                candidate = await connection.ReconnectAsync(connectTimeout, cancellationToken).ConfigureAwait(false);
                var now = (await candidate.RunScriptAsync(BootIdCommand, false, commandTimeout, cancellationToken).ConfigureAwait(false)).Stdout.Trim();
                if (now.Length > 0 && now != before)
                {
                    return candidate;
                }
            }
            catch (RemoteException) when (!cancellationToken.IsCancellationRequested)
            {
                // Still down, or sshd not up yet: keep polling until the deadline.
            }

            candidate?.Dispose();
        }

        throw new RemoteException(host, $"did not come back from its reboot within {timeout.TotalSeconds:F0} s (boot_id unchanged or unreachable)",
            "check the console (BMC/IPMI): a kernel argument or initramfs may keep it from booting; the other hosts carried on");
    }
}
