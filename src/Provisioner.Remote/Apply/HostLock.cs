using System.Globalization;
using Provisioner.Core.Shell;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// One apply at a time per host: a lock directory made atomically with mkdir on the host. Its
/// owner file names the run, the boot it was taken in, the sshd process serving the run's
/// connection, and a lease for reboots:
///   RUN BOOT_ID SESSION_PID LEASE_UNTIL HOLDER
/// The same run re-takes its own lock (after its reboots). Another run is refused while the
/// holder is alive; a lock is stale, and taken over with a warning, when its run's connection
/// is gone in the same boot (the session process died) or the host booted again past the lease
/// (a run that reboots a host sets the lease first; any other reboot ends the lock).
/// </summary>
public static class HostLock
{
    public const string Directory = "/var/lib/provision/lock";

    /// <summary>Takes the lock. Returns the previous owner line when a stale lock was taken over, else null.</summary>
    public static async Task<string?> AcquireAsync(IHostShell connection, string runId, string holder, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var script = $$"""
            D={{Directory}}; run={{ShellQuote.Quote(runId)}}
            mkdir -p /var/lib/provision
            read -r boot < /proc/sys/kernel/random/boot_id
            # The sshd process serving this connection: it lives exactly as long as the connection.
            p=$PPID
            while [ "$p" -gt 1 ]; do
              case "$(cat /proc/$p/comm 2>/dev/null)" in sshd*) break ;; esac
              p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
            done
            take() { printf '%s %s %s 0 %s\n' "$run" "$boot" "$p" {{ShellQuote.Quote(holder)}} > "$D/owner.new" && mv -f "$D/owner.new" "$D/owner"; }
            if mkdir "$D" 2>/dev/null; then take; exit 0; fi
            read -r held hboot hpid lease rest < "$D/owner" 2>/dev/null || held=
            if [ "$held" = "$run" ]; then take; exit 0; fi
            if { [ "$hboot" = "$boot" ] && ! kill -0 "${hpid:-0}" 2>/dev/null; } || { [ "$hboot" != "$boot" ] && [ "$(date +%s)" -gt "${lease:-0}" ]; }; then
              printf 'stale\t'; cat "$D/owner" 2>/dev/null || echo "(no owner file)"
              take; exit 0
            fi
            cat "$D/owner"
            exit 3
            """;
        var result = await connection.RunScriptAsync(script, sudo, timeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 3)
        {
            throw new RemoteException(connection.HostName, "another apply holds the host lock: " + Describe(result.Stdout.Trim()),
                $"wait for it to finish; a lock whose apply died is taken over by the next run (its connection is gone, or the host rebooted past its lease)");
        }

        if (!result.Succeeded)
        {
            throw new RemoteException(connection.HostName, $"cannot take the host lock (exit {result.ExitCode}): {result.Stderr.Trim()}",
                sudo ? "the login user needs passwordless sudo ('sudo -n true' must succeed)" : "check that /var/lib is writable");
        }

        return result.Stdout.StartsWith("stale\t", StringComparison.Ordinal) ? Describe(result.Stdout[6..].Trim()) : null;
    }

    /// <summary>Before our own reboot: the lock stays ours until the host is back or <paramref name="lease"/> has passed.</summary>
    public static async Task LeaseForRebootAsync(IHostShell connection, string runId, TimeSpan lease, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seconds = ((long)lease.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var script = $"""
            D={Directory}
            read -r held hboot hpid lease rest < "$D/owner" || exit 4
            [ "$held" = {ShellQuote.Quote(runId)} ] || exit 4
            printf '%s %s %s %s %s\n' "$held" "$hboot" "$hpid" "$(( $(date +%s) + {seconds} ))" "$rest" > "$D/owner.new" && mv -f "$D/owner.new" "$D/owner"
            """;
        var result = await connection.RunScriptAsync(script, sudo, timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RemoteException(connection.HostName, $"the host lock is no longer ours (exit {result.ExitCode}): {result.Stderr.Trim()}",
                "another run took it over: check who applies to this host, then re-run");
        }
    }

    public static async Task ReleaseAsync(IHostShell connection, string runId, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Only our own lock is removed.
        var script = $"read -r held rest < {Directory}/owner 2>/dev/null && [ \"$held\" = {ShellQuote.Quote(runId)} ] && rm -rf {Directory}; exit 0";
        await connection.RunScriptAsync(script, sudo, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An owner line as a person reads it: "run R by HOLDER (boot B, sshd pid P)".</summary>
    private static string Describe(string owner)
    {
        var f = owner.Split(' ', 5);
        return f.Length == 5 ? $"run {f[0]} by {f[4]} (boot {f[1]}, sshd pid {f[2]})" : owner;
    }
}
