using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

public sealed record LibvirtAuth(string Username, SecretRef Password);

public sealed record Host(
    string Name,
    string Address,
    string? Group,
    SshSettings Ssh,
    OsFamily Os,
    CpuVendor CpuVendor,
    ByteSize? Memory,
    ByteSize HostReserve,
    IommuSettings Iommu,
    HugepageSettings Hugepages,
    bool BlacklistNouveau,
    HostNetwork? Network,
    bool GpusAuto,
    IReadOnlyList<Gpu> Gpus)
{
    /// <summary>A libvirt URI that replaces the SSH transport for this host's VMs, or null (through SSH).</summary>
    public string? LibvirtUri { get; init; }

    /// <summary>Credentials for a libvirt daemon that asks (SASL); the password stays a reference until used.</summary>
    public LibvirtAuth? LibvirtAuth { get; init; }

    /// <summary>True for 'vfio_binding: address': vfio-pci takes the GPUs by address only, never by id (an identical host card stays with the host).</summary>
    public bool BindByAddressOnly { get; init; }

    /// <summary>The OS family templates are rendered for: 'auto' is resolved from facts, offline it means el9.</summary>
    public OsFamily EffectiveOs => Os == OsFamily.Auto ? OsFamily.El9 : Os;
}
