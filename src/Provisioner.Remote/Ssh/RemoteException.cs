namespace Provisioner.Remote.Ssh;

/// <summary>
/// A host could not be reached or refused us, with what to do about it. Apply turns it into that
/// host's failed outcome; the other hosts carry on.
/// </summary>
public sealed class RemoteException : Exception
{
    public RemoteException(string host, string message, string fix, Exception? inner = null)
        : base($"{host}: {message}", inner)
    {
        Host = host;
        Detail = message;
        Fix = fix;
    }

    public string Host { get; }

    /// <summary>What went wrong, without the host name in front.</summary>
    public string Detail { get; }

    public string Fix { get; }
}
