using System.Globalization;
using System.Text;
using Provisioner.Core.Text;

namespace Provisioner.Core.Facts;

/// <summary>
/// A hash of the facts a plan depends on: what the host runs and boots, every managed file,
/// devices and drivers, packages, services. Free memory and free hugepages are left out (they
/// move on their own); a reboot changes it (new boot_id). A saved plan is refused for a host
/// whose fingerprint is no longer the one the plan was made from.
/// </summary>
public static class FactsFingerprint
{
    public static string Of(HostFacts facts)
    {
        var text = new StringBuilder();
        void Line(params object?[] fields) => text.AppendJoin('\t', fields.Select(f => Convert.ToString(f, CultureInfo.InvariantCulture))).Append('\n');

        Line("host", facts.Hostname, facts.Kernel, facts.BootId, facts.Cmdline);
        foreach (var (key, value) in facts.OsRelease.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Line("os", key, value);
        }

        foreach (var file in facts.Files.Values.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            Line("file", file.Path, file.Exists, file.Sha256, file.Mode, file.Owner, file.Group, file.ModifiedUnix);
        }

        foreach (var device in facts.PciDevices.OrderBy(d => d.Address, StringComparer.Ordinal))
        {
            Line("pci", device.Address, device.VendorDevice, device.Class, device.Driver, device.IommuGroup, device.NumaNode);
        }

        foreach (var node in facts.NumaNodes.OrderBy(n => n.Node))
        {
            Line("node", node.Node, node.MemTotalKib, node.Hugepages2MTotal, node.Hugepages1GTotal, node.Cpus);
        }

        Line("modules", string.Join(' ', facts.LoadedModules.Order(StringComparer.Ordinal)));
        foreach (var entry in facts.BootEntries)
        {
            Line("boot", entry.Source, entry.Arguments);
        }

        foreach (var image in facts.Initramfs)
        {
            Line("initramfs", image.Path, image.ModifiedUnix);
        }

        Line("packages", string.Join(' ', facts.InstalledPackages.Order(StringComparer.Ordinal)));
        foreach (var service in facts.Services.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            Line("svc", service.Name, service.Enabled, service.Active);
        }

        Line("vfio", string.Join(' ', facts.VfioGroupDevices.Order()));
        Line("firmware_iommu", facts.FirmwareIommu);
        Line("exists", string.Join(' ', facts.ExistingPaths.Order(StringComparer.Ordinal)));
        Line("libvirt", facts.LibvirtSocket);
        foreach (var domain in (facts.Domains ?? []).OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            Line("domain", domain.Name, domain.Uuid, domain.State, domain.Autostart, Sha256Text.Hex(domain.Xml));
        }
        return "sha256:" + Sha256Text.Hex(text.ToString());
    }
}
