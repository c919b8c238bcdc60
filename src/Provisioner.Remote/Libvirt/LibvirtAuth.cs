using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Provisioner.Remote.Libvirt;

/// <summary>Credentials for a libvirt daemon that asks for them (SASL on a TCP/TLS listener).</summary>
public sealed record LibvirtCredentials(string Username, string Password);

/// <summary>virConnectAuth: the credential types we answer and the callback libvirt calls.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ConnectAuth
{
    public int* CredTypes;
    public uint CredTypeCount;
    public delegate* unmanaged<ConnectCredential*, uint, void*, int> Callback;
    public void* CallbackData;
}

/// <summary>virConnectCredential: one question from libvirt; the answer goes in Result (malloc'd, libvirt frees it).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ConnectCredential
{
    public int Type;
    public byte* Prompt;
    public byte* Challenge;
    public byte* DefaultResult;
    public byte* Result;
    public uint ResultLength;
}

/// <summary>
/// The auth callback of <see cref="LibvirtConnection.Open(string, LibvirtCredentials?)"/>: it answers
/// the user name and the passphrase from the inventory, never prompts, and records what libvirt
/// asked for so a refusal can say it.
/// </summary>
internal static unsafe class LibvirtAuth
{
    public const int AuthName = 2; // VIR_CRED_AUTHNAME
    public const int Passphrase = 5; // VIR_CRED_PASSPHRASE
    public const int NoEchoPrompt = 7; // VIR_CRED_NOECHOPROMPT

    private static readonly int[] Answered = [AuthName, Passphrase, NoEchoPrompt];

    /// <summary>What one open call was asked: a name per credential type.</summary>
    internal sealed class Session(LibvirtCredentials? credentials)
    {
        public LibvirtCredentials? Credentials { get; } = credentials;

        public List<string> Asked { get; } = [];
    }

    public static ConnectionHandle Open(string uri, Session session)
    {
        var handle = GCHandle.Alloc(session);
        try
        {
            fixed (int* types = Answered)
            {
                var auth = new ConnectAuth
                {
                    CredTypes = types,
                    CredTypeCount = (uint)Answered.Length,
                    Callback = &Answer,
                    CallbackData = (void*)GCHandle.ToIntPtr(handle),
                };
                return NativeMethods.virConnectOpenAuth(uri, &auth, 0);
            }
        }
        finally
        {
            handle.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static int Answer(ConnectCredential* credentials, uint count, void* data)
    {
        var session = (Session)GCHandle.FromIntPtr((IntPtr)data).Target!;
        for (var i = 0; i < count; i++)
        {
            var credential = &credentials[i];
            session.Asked.Add(credential->Type switch { AuthName => "authname", Passphrase or NoEchoPrompt => "passphrase", var t => "credential type " + t });
            var answer = credential->Type switch
            {
                AuthName => session.Credentials?.Username,
                Passphrase or NoEchoPrompt => session.Credentials?.Password,
                _ => null,
            };
            if (answer is null)
            {
                return -1;
            }

            var bytes = Encoding.UTF8.GetBytes(answer);
            var result = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1); // malloc: libvirt free()s it
            bytes.CopyTo(new Span<byte>(result, bytes.Length));
            result[bytes.Length] = 0;
            credential->Result = result;
            credential->ResultLength = (uint)bytes.Length;
        }

        return 0;
    }
}
