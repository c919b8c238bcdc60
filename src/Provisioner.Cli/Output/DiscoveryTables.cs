using System.Globalization;
using Provisioner.Core.Discovery;
using Spectre.Console;

namespace Provisioner.Cli.Output;

/// <summary>`discover` without --yaml: per host a summary, then GPUs (with their IOMMU groups), NUMA nodes and NICs as tables.</summary>
internal static class DiscoveryTables
{
    public static void Write(IReadOnlyList<DiscoveredHost> hosts, TextWriter stdout, bool terminal)
    {
        var console = Consoles.For(stdout, terminal);
        var i = CultureInfo.InvariantCulture;
        foreach (var host in hosts)
        {
            var facts = host.Facts;
            stdout.WriteLine($"{host.Name} ({host.Address}): {facts.OsRelease.GetValueOrDefault("PRETTY_NAME", facts.OsId)}, kernel {facts.Kernel}");
            stdout.WriteLine($"  CPU: {facts.Cpu?.Model ?? "unknown"}, {facts.Cpu?.Count ?? 0} CPUs, virtualization flag: {facts.Cpu?.VirtualizationFlag ?? "none (off in firmware?)"}");
            stdout.WriteLine($"  IOMMU: firmware {facts.FirmwareIommu ?? "unknown"}, {(facts.IommuActive ? "active" : "not active")}, interrupt remapping {(facts.InterruptRemapping == true ? "on" : "off")}");
            stdout.WriteLine($"  cmdline: {facts.Cmdline}");
            stdout.WriteLine($"  suggested VM size: {host.VmVcpus} vCPU, {host.VmMemoryGib} GiB each (host keeps {host.HostReserveGib} GiB)");

            var gpus = new Table().Border(TableBorder.Simple).AddColumns("GPU", "id", "model", "group", "takes along", "also in group", "node", "driver");
            foreach (var gpu in host.Gpus)
            {
                gpus.AddRow(gpu.Device.Address, gpu.Device.VendorDevice, Markup.Escape(gpu.Name), gpu.Device.IommuGroup?.ToString(i) ?? "-",
                    string.Join(" ", gpu.Companions.Select(c => $"{c.Address[^1]}:{c.VendorDevice}")),
                    gpu.Strangers.Count == 0 ? "-" : "[red]" + Markup.Escape(string.Join(" ", gpu.Strangers.Select(s => $"{s.Address} {s.VendorDevice}"))) + "[/]",
                    gpu.Device.NumaNode < 0 ? "none" : gpu.Device.NumaNode.ToString(i), gpu.Device.Driver ?? "-");
            }

            console.Write(gpus);
            var nodes = new Table().Border(TableBorder.Simple).AddColumns("node", "CPUs", "memory", "2M pages (free)", "1G pages (free)");
            foreach (var node in facts.NumaNodes)
            {
                nodes.AddRow(node.Node.ToString(i), node.Cpus, $"{node.MemTotalKib >> 20} GiB", $"{node.Hugepages2MTotal} ({node.Hugepages2MFree})", $"{node.Hugepages1GTotal} ({node.Hugepages1GFree})");
            }

            console.Write(nodes);
            var nics = new Table().Border(TableBorder.Simple).AddColumns("NIC", "MAC", "PCI");
            foreach (var nic in facts.Deep?.Nics ?? [])
            {
                nics.AddRow(nic.Name, nic.Mac, nic.PciAddress ?? "-");
            }

            console.Write(nics);
            stdout.WriteLine();
        }
    }
}
