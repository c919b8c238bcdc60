namespace Provisioner.Remote.Ssh;

/// <summary>What a known_hosts file says about the key a host offered.</summary>
public enum HostKeyVerdict
{
    /// <summary>The offered key is on record for this host.</summary>
    Trusted,

    /// <summary>Nothing on record for this host and key type.</summary>
    Unknown,

    /// <summary>A different key of the same type is on record: a re-installed host, or an impostor.</summary>
    Changed,

    /// <summary>The offered key is marked @revoked.</summary>
    Revoked,
}
