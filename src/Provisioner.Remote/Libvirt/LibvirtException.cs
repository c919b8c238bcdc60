namespace Provisioner.Remote.Libvirt;

/// <summary>A libvirt call failed; <see cref="Exception.Message"/> carries libvirt's own error text.</summary>
public sealed class LibvirtException(string operation, int code, string libvirtMessage)
    : Exception($"{operation} failed: {libvirtMessage} (libvirt error {code})")
{
    public int Code { get; } = code;

    public string LibvirtMessage { get; } = libvirtMessage;

    /// <summary>libvirt's VIR_ERR_NO_DOMAIN: the domain does not exist.</summary>
    public const int NoDomain = 42;
}
