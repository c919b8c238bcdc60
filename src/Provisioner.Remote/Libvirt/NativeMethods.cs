using System.Runtime.InteropServices;

namespace Provisioner.Remote.Libvirt;

/// <summary>
/// The libvirt C API calls Provisioner uses, and only those (libvirt.so.0 from Debian's libvirt0;
/// the C# LibvirtBindings are not on NuGet). Strings returned as char* that libvirt allocates are
/// freed by the caller with free(); const char* ones belong to libvirt.
/// </summary>
internal static partial class NativeMethods
{
    private const string Lib = "libvirt.so.0";
    private const string QemuLib = "libvirt-qemu.so.0";

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ConnectionHandle virConnectOpen(string? uri);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial ConnectionHandle virConnectOpenAuth(string? uri, ConnectAuth* auth, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virConnectClose(IntPtr connection);

    [LibraryImport(Lib)]
    internal static partial int virConnectGetLibVersion(ConnectionHandle connection, out ulong version);

    [LibraryImport(Lib)]
    internal static partial int virConnectListAllDomains(ConnectionHandle connection, out IntPtr domains, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainDefineXML(ConnectionHandle connection, string xml);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByName(ConnectionHandle connection, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByUUIDString(ConnectionHandle connection, string uuid);

    [LibraryImport(Lib)]
    internal static partial IntPtr virDomainGetXMLDesc(DomainHandle domain, uint flags);

    [LibraryImport(Lib)]
    internal static partial IntPtr virDomainGetName(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainGetUUIDString(DomainHandle domain, Span<byte> buffer);

    [LibraryImport(Lib)]
    internal static partial int virDomainCreate(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainShutdown(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainDestroy(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainUndefineFlags(DomainHandle domain, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainSetAutostart(DomainHandle domain, int autostart);

    [LibraryImport(Lib)]
    internal static partial int virDomainGetAutostart(DomainHandle domain, out int autostart);

    [LibraryImport(Lib)]
    internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainFree(IntPtr domain);

    [LibraryImport(Lib)]
    internal static partial IntPtr virGetLastErrorMessage();

    [LibraryImport(Lib)]
    internal static partial int virGetLastErrorCode();

    [LibraryImport(Lib)]
    internal static partial void virResetLastError();

    [LibraryImport(Lib)]
    internal static unsafe partial void virSetErrorFunc(IntPtr userData, delegate* unmanaged<IntPtr, IntPtr, void> handler);

    [LibraryImport(QemuLib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virDomainQemuAgentCommand(DomainHandle domain, string command, int timeoutSeconds, uint flags);
}
