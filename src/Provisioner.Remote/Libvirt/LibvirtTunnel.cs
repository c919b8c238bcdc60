using System.Net.Sockets;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Libvirt;

/// <summary>
/// libvirt over the host's one SSH connection (one host key check, one login): a Unix socket in
/// a private directory here, each connection to it carried by an SSH exec channel running
/// <c>virt-ssh-helper qemu:///system</c> on the host (libvirt ≥ 6.8), or <c>nc -U</c> to the
/// daemon's socket where there is none (EL7's libvirt 4.5). Our binding opens <see cref="Uri"/>.
/// </summary>
public sealed class LibvirtTunnel : IDisposable
{
    /// <summary>The host side: the helper if there is one, else a netcat that speaks Unix sockets.</summary>
    public const string HelperCommand =
        "if command -v virt-ssh-helper >/dev/null 2>&1; then exec virt-ssh-helper qemu:///system; fi; "
        + "for s in /var/run/libvirt/virtqemud-sock /var/run/libvirt/libvirt-sock; do [ -S \"$s\" ] && exec nc -U \"$s\"; done; "
        + "echo 'no libvirt socket on this host (is libvirtd running?)' >&2; exit 1";

    private readonly SshConnection _connection;
    private readonly bool _sudo;
    private readonly string _directory;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Task> _pumps = [];
    private readonly Lock _gate = new();

    private LibvirtTunnel(SshConnection connection, bool sudo, string directory, Socket listener)
    {
        _connection = connection;
        _sudo = sudo;
        _directory = directory;
        _listener = listener;
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>The URI for <see cref="LibvirtConnection.Open"/>: qemu's system instance through this tunnel.</summary>
    public string Uri => $"qemu+unix:///system?socket={SocketPath}";

    public string SocketPath => Path.Combine(_directory, "libvirt.sock");

    /// <summary>Opens the local end; channels are opened per libvirt connection, on demand.</summary>
    public static LibvirtTunnel Open(SshConnection connection, bool sudo)
    {
        // A directory only we can enter (CreateTempSubdirectory makes it 0700 on Unix): nobody
        // else on this machine can talk to the host's libvirtd through it.
        var directory = Directory.CreateTempSubdirectory("provision-libvirt-").FullName;
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(directory, "libvirt.sock")));
            listener.Listen(8);
        }
        catch
        {
            listener.Dispose();
            Directory.Delete(directory, recursive: true);
            throw;
        }

        return new LibvirtTunnel(connection, sudo, directory, listener);
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_gate)
            {
                _pumps.Add(Task.Run(() => CarryAsync(client, cancellationToken), CancellationToken.None));
            }
        }
    }

    /// <summary>One libvirt client connection ⇄ one SSH channel, until either side closes.</summary>
    private async Task CarryAsync(Socket client, CancellationToken cancellationToken)
    {
        using var socket = client;
        var command = _sudo ? "sudo -n sh -c " + Core.Shell.ShellQuote.Quote(HelperCommand) : "sh -c " + Core.Shell.ShellQuote.Quote(HelperCommand);
        using var channel = _connection.OpenStream(command);
        await using var local = new NetworkStream(socket, ownsSocket: false);
        var up = CopyAsync(local, channel.Input, flush: true, cancellationToken);
        var down = CopyAsync(channel.Output, local, flush: false, cancellationToken);
        await Task.WhenAny(up, down).ConfigureAwait(false);
    }

    private static async Task CopyAsync(Stream from, Stream to, bool flush, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                if (flush)
                {
                    await to.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or Renci.SshNet.Common.SshException)
        {
            // One side went away: the carry ends, the other side sees EOF.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        Task[] pumps;
        lock (_gate)
        {
            pumps = [.. _pumps, _accepting];
        }

        Task.WaitAll(pumps, TimeSpan.FromSeconds(5));
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
