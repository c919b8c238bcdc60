using Renci.SshNet;
using Renci.SshNet.Common;

namespace Provisioner.Remote.Ssh;

/// <summary>
/// One SSH connection to one host, reused for every command of a run. The host key is checked
/// against known_hosts before authentication: unknown keys are refused unless the policy is
/// accept-new (then recorded), changed or revoked keys always. Keepalives notice a host that
/// went away (a reboot) instead of hanging; every command has its own timeout.
/// </summary>
public sealed class SshConnection : IHostShell
{
    private readonly SshClient _client;
    private readonly SshTarget _target;

    public SshTarget Target => _target;

    /// <summary>The host key the host proved it holds, as "TYPE SHA256:..." (what a saved plan pins).</summary>
    public string HostKey { get; }

    private SshConnection(SshClient client, SshTarget target, string hostKey)
    {
        _client = client;
        _target = target;
        HostKey = hostKey;
    }

    public static async Task<SshConnection> ConnectAsync(SshTarget target, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var keys = new List<IPrivateKeySource>();
        var fileExists = File.Exists(target.IdentityFile);
        if (target.AgentSocket is not null)
        {
            try
            {
                keys.Add(new SshAgent(target.AgentSocket).KeySource());
            }
            catch (RemoteException) when (fileExists)
            {
                // As OpenSSH: an agent that does not answer is passed over for the identity file.
            }
            catch (RemoteException e)
            {
                throw new RemoteException(target.Name, e.Detail, e.Fix, e);
            }
        }

        using var file = fileExists ? new PrivateKeyFile(target.IdentityFile) : null;
        if (file is not null)
        {
            keys.Add(file);
        }
        else if (target.IdentityFileRequired || target.AgentSocket is null)
        {
            throw new RemoteException(target.Name, $"identity file {target.IdentityFile} does not exist" + (target.AgentSocket is null ? " and no ssh-agent is running (SSH_AUTH_SOCK is unset)" : ""),
                "set ssh.identity_file to a private key that the host accepts, or load the key into ssh-agent (ssh-add)");
        }

        var connection = new ConnectionInfo(target.Address, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, [.. keys]))
        {
            Timeout = connectTimeout,
        };
        PreferCheapKeyExchange(connection);
        var client = new SshClient(connection) { KeepAliveInterval = TimeSpan.FromSeconds(5) };
        var knownHosts = new KnownHostsFile(target.KnownHostsFile);
        RemoteException? refused = null;
        var hostKey = "";
        client.HostKeyReceived += (_, e) =>
        {
            hostKey = e.HostKeyName + " SHA256:" + e.FingerPrintSHA256;
            refused = Verify(target, knownHosts, e);
            e.CanTrust = refused is null;
        };
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return new SshConnection(client, target, hostKey);
        }
        catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or TimeoutException or ProxyException)
        {
            client.Dispose();
            throw refused ?? new RemoteException(target.Name, $"cannot connect to {target.User}@{target.Address}:{target.Port}: {e.Message}",
                "check the address, that sshd runs, and that the key is in the user's authorized_keys", e);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Runs one command; a command still running after <paramref name="timeout"/> fails the host rather than hang it.</summary>
    public Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunAsync(command, stdin: null, timeout, cancellationToken);

    /// <summary>
    /// Runs one command with <paramref name="stdin"/> streamed to it (e.g. a script for 'sh -s'):
    /// large content goes through the channel, never through the command line (ARG_MAX).
    /// </summary>
    public async Task<CommandResult> RunAsync(string command, string? stdin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cmd = _client.CreateCommand(command);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var execution = cmd.ExecuteAsync(limit.Token);
            if (stdin is not null)
            {
                try
                {
                    var input = cmd.CreateInputStream();
                    await using (input.ConfigureAwait(false))
                    {
                        await input.WriteAsync(System.Text.Encoding.UTF8.GetBytes(stdin), limit.Token).ConfigureAwait(false);
                    }
                }
                catch (InvalidOperationException)
                {
                    // "The channel is closed.": the command ended without reading its stdin
                    // (sudo -n refusing: no passwordless sudo). Its exit status and stderr below
                    // are the answer; a connection that broke fails the execution instead.
                }
            }

            await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteException(_target.Name, $"command did not finish within {timeout.TotalSeconds:F0} s", "the host may be overloaded or rebooting");
        }
        catch (SshException e)
        {
            throw new RemoteException(_target.Name, "the connection broke during a command: " + e.Message, "re-run: every step is safe to repeat", e);
        }

        return new CommandResult(cmd.ExitStatus ?? -1, cmd.Result, cmd.Error);
    }

    /// <summary>
    /// Starts a long-running command whose stdin and stdout are byte streams (the libvirt
    /// transport carries libvirt's RPC through one). Dispose ends the channel.
    /// </summary>
    public ExecStream OpenStream(string command) => ExecStream.Start(_client.CreateCommand(command));

    /// <summary>
    /// The host's sh reads the whole script from stdin before it runs any of it. With 'sh -s' a
    /// script that exits early (the host lock's 'take; exit 0') ended the command while we were
    /// still sending: SSH.NET then threw "The channel is closed.", or our EOF reached a channel
    /// sshd had freed and OpenSSH dropped the whole connection ("ieof packet referred to
    /// nonexistent channel"). eval of the read text runs it as 'sh -s' would, exit and set -e included.
    /// </summary>
    private static readonly string ReadThenRun = "sh -c " + Core.Shell.ShellQuote.Quote("s=$(cat) && eval \"$s\"");

    /// <summary>Runs a POSIX sh script fed on stdin: no quoting into argv, no ARG_MAX limit.</summary>
    public Task<CommandResult> RunScriptAsync(string script, bool sudo, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunAsync(sudo ? "sudo -n " + ReadThenRun : ReadThenRun, script, timeout, cancellationToken);

    public string HostName => _target.Name;

    public async Task<IHostShell> ReconnectAsync(TimeSpan connectTimeout, CancellationToken cancellationToken) =>
        await ConnectAsync(_target, connectTimeout, cancellationToken).ConfigureAwait(false);

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Key exchange order: ML-KEM hybrid first (post-quantum, cheap), then curve25519, and the
    /// sntrup761 hybrid only after them: in SSH.NET's managed code it costs ~50 ms of CPU per
    /// connection (measured: 10 connects 1.1 s CPU vs 0.4 s), which a fleet-wide run pays per host.
    /// OpenSSH 9.9+ hosts still get a post-quantum exchange (ML-KEM); older ones curve25519.
    /// </summary>
    private static void PreferCheapKeyExchange(ConnectionInfo connection)
    {
        foreach (var name in connection.KeyExchangeAlgorithms.Keys.Where(k => k.StartsWith("sntrup761", StringComparison.Ordinal)).ToList())
        {
            var factory = connection.KeyExchangeAlgorithms[name];
            connection.KeyExchangeAlgorithms.Remove(name);
            connection.KeyExchangeAlgorithms.Add(name, factory);
        }
    }

    private static RemoteException? Verify(SshTarget target, KnownHostsFile knownHosts, HostKeyEventArgs e)
    {
        var fingerprint = "SHA256:" + e.FingerPrintSHA256;
        switch (knownHosts.Check(target.Address, target.Port, e.HostKeyName, e.HostKey))
        {
            case HostKeyVerdict.Trusted:
                return null;
            case HostKeyVerdict.Unknown when target.HostKeyPolicy == Core.Inventory.Model.HostKeyPolicy.AcceptNew:
                knownHosts.Add(target.Address, target.Port, e.HostKeyName, e.HostKey);
                return null;
            case HostKeyVerdict.Unknown:
                return new RemoteException(target.Name, $"host key {e.HostKeyName} {fingerprint} is not in {knownHosts.Path}",
                    $"verify the fingerprint out of band, then add it (ssh-keyscan -p {target.Port} {target.Address} >> {knownHosts.Path}), or set ssh.host_key_policy: accept-new");
            case HostKeyVerdict.Changed:
                return new RemoteException(target.Name, $"HOST KEY CHANGED: {target.Address} now offers {e.HostKeyName} {fingerprint}, not the key on record in {knownHosts.Path}",
                    "if the host was re-installed, remove its old line (ssh-keygen -R ADDRESS) after verifying the new fingerprint; otherwise someone may be impersonating it");
            default:
                return new RemoteException(target.Name, $"host key {fingerprint} is marked @revoked in {knownHosts.Path}", "do not connect; replace the host's key");
        }
    }
}
