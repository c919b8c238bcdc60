using System.Text;
using System.Text.Json;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Discovery;

/// <summary>
/// `provision discover --twin FILE HOST`: a lab hardware profile (the format tests/lab/twin.sh
/// writes and `tests/lab/lab.sh up N FILE` boots, docs/lab.md) made from what one read-only probe
/// of a live host found, so a user can rehearse apply on a twin of their own server. What the
/// probe cannot see is filled from a stated default and named in "assumed", as the converter does.
/// Pure: the same facts give the same bytes.
/// </summary>
public static class TwinProfile
{
    public static string Json(HostFacts facts, string hostName)
    {
        var assumed = new List<string>();
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("description", $"lab twin of {hostName}, read by provision discover --twin");
            json.WriteStartArray("sources");
            json.WriteStringValue("provision discover --twin " + hostName);
            json.WriteEndArray();
            var amd = facts.Cpu?.IsAmd ?? facts.FirmwareIommu == "IVRS";
            json.WriteString("cpu_vendor", amd ? "amd" : "intel");
            if (facts.Cpu is { } cpu)
            {
                json.WriteString("cpu_model", cpu.Model);
                json.WriteBoolean("virtualization_in_firmware", cpu.VirtualizationFlag is not null);
            }

            // No ACPI tables to read: the groups tell whether the firmware has it on.
            json.WriteBoolean("iommu_in_firmware", facts.FirmwareIommu is null ? facts.IommuActive : facts.FirmwareIommu != "none");
            if (facts.Deep?.VfioPciBuiltin == true)
            {
                json.WriteBoolean("vfio_builtin", true);
            }

            // An Intel kernel with groups and no intel_iommu=on turns VT-d on by itself (Debian's).
            if (!amd && facts.IommuActive && !facts.CmdlineArgs.Contains("intel_iommu=on"))
            {
                json.WriteBoolean("iommu_default_on", true);
            }

            var nodes = facts.NumaNodes.OrderBy(n => n.Node).ToList();
            json.WriteStartArray("memory_gib_per_node");
            foreach (var node in nodes)
            {
                json.WriteNumberValue(Math.Max(1, node.MemTotalKib >> 20));
            }

            json.WriteEndArray();
            // The lab numbers each node's CPUs as one block of equal size: the host's own lists are
            // said in "assumed" where they differ (SMT siblings, unequal nodes).
            var perNode = nodes.Select(n => CpuList.Count(n.Cpus)).ToList();
            var cpusPerNode = perNode.Count > 0 ? Math.Max(1, perNode.Max()) : Math.Max(1, facts.Cpu?.Count ?? 16);
            json.WriteNumber("cpus_per_node", cpusPerNode);
            if (perNode.Distinct().Count() > 1 || nodes.Any(n => !Contiguous(n.Cpus)))
            {
                assumed.Add($"cpus_per_node: {cpusPerNode}, numbered in one block per node (the host's cpulists: {string.Join("; ", nodes.Select(n => $"node{n.Node} {n.Cpus}"))})");
            }

            json.WriteStartArray("devices");
            foreach (var device in facts.PciDevices.OrderBy(d => d.Address, StringComparer.Ordinal))
            {
                WriteDevice(json, facts, device);
            }

            json.WriteEndArray();
            // Ports on a device's path that are not PCI devices the probe listed (none on a real
            // host; a lab twin's tree-only bridges): kept so the twin nests its /sys as this host does.
            var listed = facts.PciDevices.Select(d => d.Address).ToHashSet(StringComparer.Ordinal);
            var bridges = (facts.Deep?.PciPaths.Values ?? []).SelectMany(Ancestors).Where(b => !listed.Contains(b.Address))
                .DistinctBy(b => b.Address).OrderBy(b => b.Address, StringComparer.Ordinal).ToList();
            if (bridges.Count > 0)
            {
                json.WriteStartObject("bridges");
                foreach (var (address, parent) in bridges)
                {
                    json.WriteString(address, parent);
                }

                json.WriteEndObject();
            }

            assumed.AddRange(facts.PciDevices.Where(d => d.Driver == "vfio-pci").OrderBy(d => d.Address, StringComparer.Ordinal)
                .Select(d => $"{d.Address} host_driver: vfio-pci (the host binds it to vfio-pci already; the driver it had before is not read)"));
            json.WriteString("cmdline", facts.Cmdline);
            // The twin's disk gets the arguments of this boot as its GRUB line, so it boots as the host did.
            json.WriteStartObject("grub");
            json.WriteString("GRUB_CMDLINE_LINUX", string.Join(' ', facts.CmdlineArgs
                .Where(a => !a.StartsWith("BOOT_IMAGE=", StringComparison.Ordinal) && !a.StartsWith("root=", StringComparison.Ordinal) && a is not "ro" and not "rw")));
            json.WriteEndObject();
            assumed.Add("grub: GRUB_CMDLINE_LINUX is this boot's /proc/cmdline (which GRUB line held each argument is not read)");
            assumed.Add("hugepages_cap_per_node: none (how fragmented the host's memory is cannot be read)");
            json.WriteStartArray("assumed");
            foreach (var line in assumed)
            {
                json.WriteStringValue(line);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteDevice(Utf8JsonWriter json, HostFacts facts, PciDeviceFacts device)
    {
        json.WriteStartObject();
        json.WriteString("bdf", device.Address);
        json.WriteString("id", device.VendorDevice);
        json.WriteString("class", device.Class);
        if (device.IommuGroup is { } group)
        {
            json.WriteNumber("group", group);
        }

        json.WriteNumber("numa", device.NumaNode);
        if (facts.Deep?.PciParent(device.Address) is { } parent)
        {
            json.WriteString("parent", parent);
        }

        // The driver as the host has it now: vfio-pci on a host already brought up stands for
        // itself (the twin then boots with vfio-pci holding it from the start).
        // A built-in driver without a module link has no module name to give (null, as twin.sh writes it).
        if (device.Driver is { } driver)
        {
            json.WriteString("host_driver", driver);
            if (facts.PciDrivers.TryGetValue(driver, out var info))
            {
                json.WriteString("module", info.Module);
            }
            else
            {
                json.WriteNull("module");
            }

            json.WriteBoolean("builtin", facts.DriverInfo(driver)?.BuiltIn ?? false);
        }
        else
        {
            json.WriteNull("host_driver");
            json.WriteNull("module");
            json.WriteBoolean("builtin", false);
        }

        if (facts.Bars.GetValueOrDefault(device.Address) is { Count: > 0 } bars)
        {
            json.WriteStartArray("bars_mib");
            foreach (var bar in bars)
            {
                json.WriteNumberValue(Math.Max(1, bar >> 20));
            }

            json.WriteEndArray();
        }

        if (facts.Deep?.PciNames.GetValueOrDefault(device.Address) is { } names)
        {
            json.WriteString("name", $"{names.Vendor} {names.Device}");
        }

        json.WriteEndObject();
    }

    private static bool Contiguous(string cpus) => !cpus.Contains(',', StringComparison.Ordinal);

    /// <summary>The PCI addresses on a /sys path above its device, each with the one above it (null: on the root bus).</summary>
    private static IEnumerable<(string Address, string? Parent)> Ancestors(string path)
    {
        var parts = path.Split('/').Where(p => Inventory.Values.PciAddress.TryParse(p, out _)).ToList();
        for (var i = 0; i < parts.Count - 1; i++)
        {
            yield return (parts[i], i == 0 ? null : parts[i - 1]);
        }
    }
}
