using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace Provisioner.Remote.Ssh;

/// <summary>
/// A client for ssh-agent (the protocol of OpenSSH's PROTOCOL.agent / draft-miller-ssh-agent)
/// over its Unix socket ($SSH_AUTH_SOCK): list the identities it holds and have it sign. SSH.NET
/// has no agent support; this is the part of the protocol a login needs. Private keys never
/// leave the agent.
/// </summary>
public sealed class SshAgent(string socketPath)
{
    private const byte Failure = 5;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;

    /// <summary>RSA signature flags: SHA-256 or SHA-512 instead of the obsolete SHA-1.</summary>
    private const uint RsaSha256 = 2;
    private const uint RsaSha512 = 4;

    public string SocketPath { get; } = socketPath;

    /// <summary>The agent's keys as SSH.NET key sources; RSA keys are offered as rsa-sha2-512 and rsa-sha2-256.</summary>
    public IPrivateKeySource KeySource()
    {
        var algorithms = new List<HostAlgorithm>();
        foreach (var (blob, _) in ListIdentities())
        {
            var type = ReadString(blob, 0, out _);
            if (Encoding.ASCII.GetString(type) == "ssh-rsa")
            {
                algorithms.Add(new AgentHostAlgorithm(this, "rsa-sha2-512", blob, RsaSha512));
                algorithms.Add(new AgentHostAlgorithm(this, "rsa-sha2-256", blob, RsaSha256));
            }
            else
            {
                algorithms.Add(new AgentHostAlgorithm(this, Encoding.ASCII.GetString(type), blob, 0));
            }
        }

        return new AgentKeys(algorithms);
    }

    /// <summary>The public key blobs and comments of every identity the agent holds.</summary>
    public IReadOnlyList<(byte[] Blob, string Comment)> ListIdentities()
    {
        var reply = Exchange([RequestIdentities]);
        Expect(reply, IdentitiesAnswer, "list its identities");
        var count = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(1));
        var identities = new List<(byte[], string)>();
        var offset = 5;
        for (var i = 0; i < count; i++)
        {
            var blob = ReadString(reply, offset, out offset);
            var comment = ReadString(reply, offset, out offset);
            identities.Add((blob, Encoding.UTF8.GetString(comment)));
        }

        return identities;
    }

    /// <summary>The agent's signature of <paramref name="data"/> with the key <paramref name="blob"/>, as an SSH signature blob.</summary>
    public byte[] Sign(byte[] blob, byte[] data, uint flags)
    {
        var request = new List<byte> { SignRequest };
        WriteString(request, blob);
        WriteString(request, data);
        WriteUInt32(request, flags);
        var reply = Exchange([.. request]);
        Expect(reply, SignResponse, "sign");
        return ReadString(reply, 1, out _);
    }

    private byte[] Exchange(byte[] message)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.ReceiveTimeout = 30_000; // a confirm-before-use agent may wait for a person
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
            var framed = new byte[4 + message.Length];
            BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)message.Length);
            message.CopyTo(framed, 4);
            socket.Send(framed);
            var header = ReceiveExactly(socket, 4);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length is 0 or > 256 * 1024)
            {
                throw new IOException($"the agent answered with a message of {length} bytes");
            }

            return ReceiveExactly(socket, (int)length);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new RemoteException("ssh-agent", $"cannot use the ssh-agent at {SocketPath}: {e.Message}",
                "start one (eval $(ssh-agent); ssh-add KEY) or unset SSH_AUTH_SOCK and set ssh.identity_file", e);
        }
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("the agent closed the connection");
            }

            read += n;
        }

        return buffer;
    }

    private void Expect(byte[] reply, byte type, string what)
    {
        if (reply.Length == 0 || reply[0] != type)
        {
            throw new RemoteException("ssh-agent", $"the ssh-agent at {SocketPath} refused to {what}" + (reply.Length > 0 && reply[0] == Failure ? "" : $" (answer type {(reply.Length > 0 ? reply[0] : -1)})"),
                "check the key is loaded (ssh-add -l) and, for a confirm-before-use key, that someone confirmed");
        }
    }

    private static byte[] ReadString(byte[] buffer, int offset, out int next)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(offset));
        next = offset + 4 + length;
        return buffer.AsSpan(offset + 4, length).ToArray();
    }

    private static void WriteString(List<byte> buffer, byte[] value)
    {
        WriteUInt32(buffer, (uint)value.Length);
        buffer.AddRange(value);
    }

    private static void WriteUInt32(List<byte> buffer, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        buffer.AddRange(bytes.ToArray());
    }

    private sealed class AgentKeys(IReadOnlyCollection<HostAlgorithm> algorithms) : IPrivateKeySource
    {
        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms => algorithms;
    }

    /// <summary>One agent key under one signature algorithm: SSH.NET asks it to sign the login's session data.</summary>
    private sealed class AgentHostAlgorithm(SshAgent agent, string name, byte[] blob, uint flags) : HostAlgorithm(name)
    {
        public override byte[] Data => blob;

        public override byte[] Sign(byte[] data) => agent.Sign(blob, data, flags);

        public override bool VerifySignature(byte[] data, byte[] signature) =>
            throw new NotSupportedException("agent keys sign; they never verify a host's signature");
    }
}
