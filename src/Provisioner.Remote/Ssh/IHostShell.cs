namespace Provisioner.Remote.Ssh;

/// <summary>
/// The seam between apply and a host: "run this script on that host" (the script on stdin, the
/// exit code, stdout and stderr back), and a fresh connection to the same host after a reboot.
/// <see cref="SshConnection"/> is the real one; apply's unit tests use a hand-written fake that
/// answers as a host would, failures included. A broken connection or a timeout is a
/// <see cref="RemoteException"/> naming the host, as the real one raises it.
/// </summary>
public interface IHostShell : IDisposable
{
    /// <summary>The host's name in the inventory (every error names it).</summary>
    string HostName { get; }

    /// <summary>Runs a POSIX sh script fed on stdin ('sh -s', under 'sudo -n' when <paramref name="sudo"/>).</summary>
    Task<CommandResult> RunScriptAsync(string script, bool sudo, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Opens a new connection to the same host (this one is left as it is, and may already be disposed: the host went down with it); fails with <see cref="RemoteException"/> while the host is down.</summary>
    Task<IHostShell> ReconnectAsync(TimeSpan connectTimeout, CancellationToken cancellationToken);
}
