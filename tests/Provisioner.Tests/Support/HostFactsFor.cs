using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Text;

namespace Provisioner.Tests.Support;

/// <summary>Facts of a host as the planner and apply tests need them: converged (after the bring-up) or fresh (bare).</summary>
public static class HostFactsFor
{
    /// <summary>A host exactly as the desired state wants it after its reboot.</summary>
    public static HostFacts Converged(HostDesiredState desired, string os = "debian", string version = "12")
    {
        var args = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro " + string.Join(' ', desired.KernelArgs.Add);
        var files = desired.Files.Concat(desired.Vms.SelectMany(VmFiles.Seed)).ToDictionary(f => f.Path,
            f => new FileFacts(f.Path, true, Sha256Text.Hex(f.Content), f.Mode, f.Owner, f.Group, f.Content, 1000), StringComparer.Ordinal);
        var devices = desired.Host.Gpus.SelectMany(g => g.Functions.Select((fn, i) =>
            new PciDeviceFacts(fn.Address.ToString(), fn.Id!.ToString(), i == 0 ? "030000" : "040300", "vfio-pci", 10 + g.Index, 0))).ToList();
        var boot = desired.Os == Core.Inventory.Model.OsFamily.El9 ? new BootEntryFacts("grubby", args) : new BootEntryFacts("/boot/grub/grub.cfg", args);
        return new HostFacts(desired.Host.Name, new Dictionary<string, string> { ["ID"] = os, ["VERSION_ID"] = version }, "6.1.0", "boot-1", args,
            files, devices, [new NumaNodeFacts(0, 1 << 27, 0, 0, 64, 64)], ["vfio", "vfio_pci"], [boot],
            [new InitramfsFacts("/boot/initrd.img-6.1.0", 2000)], desired.Packages, [.. desired.Host.Gpus.Select(g => 10 + g.Index)])
        {
            Services = [.. desired.Services.Select(s => new ServiceFacts(s, "enabled", "active"))],
            FirmwareIommu = "DMAR",
            LibvirtSocket = "/var/run/libvirt/libvirt-sock",
            ExistingPaths = desired.Vms.SelectMany(VmFiles.ExistencePaths).ToHashSet(StringComparer.Ordinal),
            Domains = [.. desired.Vms.Select(v => new DomainFacts(v.Vm.Name, v.Vm.Uuid, "running", true, v.Domain.Xml))],
        };
    }

    public static HostFacts Fresh(HostDesiredState desired) => Converged(desired) with
    {
        Cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet",
        Files = desired.Files.ToDictionary(f => f.Path, f => new FileFacts(f.Path, false, null, null, null, null, null, 0), StringComparer.Ordinal),
        BootEntries = [],
        Initramfs = [],
        InstalledPackages = [],
        PciDevices = [.. Converged(desired).PciDevices.Select(d => d with { Driver = d.Class == "030000" ? "nouveau" : "snd_hda_intel", IommuGroup = null })],
    };
}
