using Provisioner.Core.Shell;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// One apply at a time per host: a lock directory created atomically with mkdir on the host, its
/// owner file naming the run. It survives the apply's own reboots (the same run id re-takes it);
/// another run is refused with who holds it and since when.
/// </summary>
public static class HostLock
{
    public const string Directory = "/var/lib/provision/lock";

    public static async Task AcquireAsync(SshConnection connection, string runId, string holder, DateTimeOffset now, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var owner = $"{runId} {holder} {now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
        var script = $"""
            mkdir -p /var/lib/provision
            if mkdir {Directory} 2>/dev/null; then printf '%s\n' {ShellQuote.Quote(owner)} > {Directory}/owner; exit 0; fi
            read -r held rest < {Directory}/owner 2>/dev/null || held=unknown
            [ "$held" = {ShellQuote.Quote(runId)} ] && exit 0
            cat {Directory}/owner 2>/dev/null
            exit 3
            """;
        var result = await connection.RunScriptAsync(script, sudo: false, timeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 3)
        {
            throw new RemoteException(connection.Target.Name, "another apply holds the host lock: " + result.Stdout.Trim(),
                $"wait for it to finish; if it died, remove {Directory} on the host after checking no apply is running");
        }

        if (!result.Succeeded)
        {
            throw new RemoteException(connection.Target.Name, $"cannot take the host lock (exit {result.ExitCode}): {result.Stderr.Trim()}", "check that /var/lib is writable");
        }
    }

    public static async Task ReleaseAsync(SshConnection connection, string runId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Only our own lock is removed.
        var script = $"read -r held rest < {Directory}/owner 2>/dev/null && [ \"$held\" = {ShellQuote.Quote(runId)} ] && rm -rf {Directory}; exit 0";
        await connection.RunScriptAsync(script, sudo: false, timeout, cancellationToken).ConfigureAwait(false);
    }
}
