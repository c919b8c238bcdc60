using System.Runtime.InteropServices;
using System.Text;

namespace Provisioner.Remote.Libvirt;

/// <summary>One libvirt domain: its definition, lifecycle and autostart.</summary>
public sealed class LibvirtDomain : IDisposable
{
    /// <summary>VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE as flags for <see cref="GetXml"/>.</summary>
    [Flags]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "libvirt's own name for these bits (virDomainXMLFlags)")]
    public enum XmlFlags : uint
    {
        None = 0,
        Secure = 1,
        Inactive = 2,
    }

    private const uint UndefineNvram = 4; // VIR_DOMAIN_UNDEFINE_NVRAM

    private readonly DomainHandle _handle;

    internal LibvirtDomain(DomainHandle handle)
    {
        _handle = handle;
        // Read once, up front: every libvirt call resets the thread's last error, so an error
        // message must never build its text from another libvirt call after the failing one.
        Name = Marshal.PtrToStringUTF8(NativeMethods.virDomainGetName(_handle)) ?? throw Libvirt.Error("get domain name");
    }

    public string Name { get; }

    public Guid Uuid
    {
        get
        {
            Span<byte> buffer = stackalloc byte[37]; // VIR_UUID_STRING_BUFLEN
            Libvirt.Check(NativeMethods.virDomainGetUUIDString(_handle, buffer), "get domain uuid");
            return Guid.Parse(Encoding.ASCII.GetString(buffer[..36]));
        }
    }

    public string GetXml(XmlFlags flags = XmlFlags.None) => Libvirt.TakeString(NativeMethods.virDomainGetXMLDesc(_handle, (uint)flags), $"get XML of {Name}");

    public DomainState State
    {
        get
        {
            Libvirt.Check(NativeMethods.virDomainGetState(_handle, out var state, out _, 0), $"get state of {Name}");
            return (DomainState)state;
        }
    }

    public bool Autostart
    {
        get
        {
            Libvirt.Check(NativeMethods.virDomainGetAutostart(_handle, out var on), $"get autostart of {Name}");
            return on != 0;
        }
        set => Libvirt.Check(NativeMethods.virDomainSetAutostart(_handle, value ? 1 : 0), $"set autostart of {Name}");
    }

    public void Start() => Libvirt.Check(NativeMethods.virDomainCreate(_handle), $"start {Name}");

    /// <summary>Asks the guest to shut down (ACPI); returns at once.</summary>
    public void Shutdown() => Libvirt.Check(NativeMethods.virDomainShutdown(_handle), $"shut down {Name}");

    /// <summary>Stops the domain at once (pulls the plug).</summary>
    public void Destroy() => Libvirt.Check(NativeMethods.virDomainDestroy(_handle), $"destroy {Name}");

    /// <summary>Removes the definition; with <paramref name="nvram"/> its UEFI variables file too. Disks are never touched.</summary>
    public void Undefine(bool nvram) => Libvirt.Check(NativeMethods.virDomainUndefineFlags(_handle, nvram ? UndefineNvram : 0), $"undefine {Name}");

    /// <summary>A qemu guest agent command (JSON in, JSON out), e.g. {"execute":"guest-ping"}.</summary>
    public string GuestAgent(string json, TimeSpan timeout) =>
        Libvirt.TakeString(NativeMethods.virDomainQemuAgentCommand(_handle, json, (int)timeout.TotalSeconds, 0), $"guest agent command on {Name}");

    public void Dispose() => _handle.Dispose();
}
