using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

/// <summary>Settings that may be given in defaults, in a group or on a host (the host wins, then the group).</summary>
public class HostSettingsDto : Dto
{
    [Doc("How to reach the host over SSH.")]
    public SshDto? Ssh { get; set; }

    [OneOf("auto", "el7", "el8", "el9", "debian", "ubuntu"), Doc("Operating system family; 'auto' is read from /etc/os-release when the host is probed (an offline plan then assumes el9).")]
    public YamlScalar? Os { get; set; }

    [OneOf("intel", "amd"), Doc("CPU vendor: selects intel_iommu=on or amd_iommu=on.")]
    public YamlScalar? CpuVendor { get; set; }

    [Doc("Installed memory of the host, e.g. 256GiB. Used to check that the VMs fit.")]
    public YamlScalar? Memory { get; set; }

    [Doc("Memory kept for the host itself and never given to VMs (default 16GiB).")]
    public YamlScalar? HostReserve { get; set; }

    [Doc("IOMMU kernel options.")]
    public IommuDto? Iommu { get; set; }

    [Doc("Hugepages reserved at boot for VM memory, per NUMA node.")]
    public HugepagesDto? Hugepages { get; set; }

    [ScalarType("boolean"), Doc("Blacklist the nouveau driver on the host (default true).")]
    public YamlScalar? BlacklistNouveau { get; set; }

    [OneOf("ids", "address"), Doc("How vfio-pci takes the GPUs: 'ids' (default) claims every device of their vendor:device ids (modprobe.d and vfio-pci.ids= on the command line) and also moves them by address early in the initramfs; 'address' only moves the listed addresses (driver_override in the initramfs), so an identical card the host keeps stays with its own driver.")]
    public YamlScalar? VfioBinding { get; set; }

    [Doc("What every GPU slot of the host looks like: its PCI functions and their vendor:device ids.")]
    public GpuModelDto? GpuModel { get; set; }

    [Doc("Settings of the worker VM each GPU gets.")]
    public VmDto? Vm { get; set; }

    [Doc("libvirt URI to manage the VMs through instead of the host's SSH connection, e.g. qemu+tls://gpu-01.example.org/system (default: libvirt through the SSH connection).")]
    public YamlScalar? LibvirtUri { get; set; }

    [Doc("Credentials for a libvirt daemon that asks for them (SASL, e.g. behind libvirt_uri); answered by Provisioner's auth callback, never prompted.")]
    public LibvirtAuthDto? LibvirtAuth { get; set; }

    [Doc("Host networking: the bridge the VMs attach to, over one NIC or an LACP bond.")]
    public HostNetworkDto? Network { get; set; }
}
