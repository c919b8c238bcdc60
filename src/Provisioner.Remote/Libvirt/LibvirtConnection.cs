using System.Runtime.InteropServices;

namespace Provisioner.Remote.Libvirt;

/// <summary>
/// A libvirt connection (<c>test:///default</c>, <c>qemu:///system</c>, or
/// <c>qemu+unix:///system?socket=...</c> over our SSH transport). Nothing here shells out to virsh.
/// </summary>
public sealed class LibvirtConnection : IDisposable
{
    private readonly ConnectionHandle _handle;

    private LibvirtConnection(ConnectionHandle handle) => _handle = handle;

    /// <summary>
    /// Opens <paramref name="uri"/> with our auth callback: a daemon that asks for a user name and
    /// passphrase (SASL) gets <paramref name="credentials"/>; nothing ever prompts on a terminal.
    /// </summary>
    public static LibvirtConnection Open(string uri, LibvirtCredentials? credentials = null)
    {
        Libvirt.Silence();
        var session = new LibvirtAuth.Session(credentials);
        var handle = LibvirtAuth.Open(uri, session);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            var error = Libvirt.Error($"open {uri}");
            if (session.Asked.Count > 0 && credentials is null)
            {
                throw new LibvirtException($"open {uri} (libvirt asked for {string.Join(", ", session.Asked.Distinct())}; set libvirt_auth in the inventory)", error.Code, error.LibvirtMessage);
            }

            throw error;
        }

        return new LibvirtConnection(handle);
    }

    /// <summary>libvirt's version as major.minor.release.</summary>
    public Version LibraryVersion
    {
        get
        {
            Libvirt.Check(NativeMethods.virConnectGetLibVersion(_handle, out var v), "get libvirt version");
            return new Version((int)(v / 1_000_000), (int)(v / 1000 % 1000), (int)(v % 1000));
        }
    }

    public LibvirtDomain Define(string xml)
    {
        var domain = NativeMethods.virDomainDefineXML(_handle, xml);
        return domain.IsInvalid ? throw Invalid(domain, "define domain") : new LibvirtDomain(domain);
    }

    /// <summary>The domain, or null if there is none of that name.</summary>
    public LibvirtDomain? Find(string name) => Lookup(NativeMethods.virDomainLookupByName(_handle, name), $"look up domain {name}");

    public LibvirtDomain? FindByUuid(Guid uuid) => Lookup(NativeMethods.virDomainLookupByUUIDString(_handle, uuid.ToString("D")), $"look up domain {uuid}");

    public IReadOnlyList<LibvirtDomain> ListAll()
    {
        var count = NativeMethods.virConnectListAllDomains(_handle, out var array, 0);
        Libvirt.Check(count, "list domains");
        try
        {
            var domains = new List<LibvirtDomain>(count);
            for (var i = 0; i < count; i++)
            {
                domains.Add(new LibvirtDomain(new DomainHandle(Marshal.ReadIntPtr(array, i * IntPtr.Size))));
            }

            return domains;
        }
        finally
        {
            unsafe
            {
                NativeMemory.Free((void*)array);
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    private static LibvirtDomain? Lookup(DomainHandle domain, string operation)
    {
        if (!domain.IsInvalid)
        {
            return new LibvirtDomain(domain);
        }

        var error = Invalid(domain, operation);
        return error.Code == LibvirtException.NoDomain ? null : throw error;
    }

    private static LibvirtException Invalid(DomainHandle domain, string operation)
    {
        domain.Dispose();
        return Libvirt.Error(operation);
    }
}
