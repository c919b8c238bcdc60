using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Provisioner.Core.Text;

namespace Provisioner.Core.Discovery;

/// <summary>
/// A discovered host as an inventory snippet: a `hosts:` entry with its OS, CPU vendor, memory,
/// GPU model (function 0 and the companions its IOMMU group makes it take along), VM sizes and
/// GPU addresses, commented with what was found. Paste it under `hosts:`; `provision validate`
/// and `provision plan` take it as it is.
/// </summary>
public static partial class DiscoverySnippet
{
    public static string Yaml(IReadOnlyList<DiscoveredHost> hosts)
    {
        var text = new StringBuilder("hosts:\n");
        foreach (var host in hosts)
        {
            Host(text, host);
        }

        return text.ToString();
    }

    private static void Host(StringBuilder text, DiscoveredHost host)
    {
        var facts = host.Facts;
        var i = CultureInfo.InvariantCulture;
        text.Append(i, $"  # {Comment(facts.OsRelease.GetValueOrDefault("PRETTY_NAME", facts.OsId))}, kernel {Comment(facts.Kernel)}; {Comment(facts.Cpu?.Model ?? "CPU unknown")} ({facts.Cpu?.Count ?? 0} CPUs, {Comment(facts.Cpu?.VirtualizationFlag ?? "no virtualization flag")}); {host.MemoryGib} GiB in {facts.NumaNodes.Count} NUMA node(s)\n");
        text.Append(i, $"  - name: {Scalar(host.Name)}\n");
        text.Append(i, $"    address: {Scalar(host.Address)}\n");
        text.Append(host.Os is { } os ? $"    os: {os.ToString().ToLowerInvariant()}\n" : $"    os: auto   # {Comment(facts.OsId)} {Comment(facts.OsVersionId)} is not a supported OS\n");
        text.Append(i, $"    cpu_vendor: {Scalar(host.CpuVendor)}\n");
        text.Append(i, $"    memory: {host.MemoryGib}GiB\n");
        text.Append(i, $"    host_reserve: {host.HostReserveGib}GiB\n");
        if (host.Gpus.Count == 0)
        {
            text.Append("    gpus: []   # no NVIDIA or AMD GPU found\n");
            return;
        }

        // The model comes from the cards that can be passed through: alone in their group with
        // their own functions. A card stuck in a chipset group belongs to the host.
        var isolated = host.Gpus.Where(g => g.Strangers.Count == 0).ToList();
        var models = (isolated.Count > 0 ? isolated : host.Gpus).GroupBy(g => g.Device.VendorDevice).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var model = models[0].First();
        text.Append("    gpu_model:\n");
        text.Append(i, $"      name: {Scalar(ModelName(host, model))}\n");
        text.Append("      functions:\n");
        foreach (var function in model.Companions.Prepend(model.Device))
        {
            text.Append(i, $"        - {{ function: {(char.IsAsciiDigit(function.Address[^1]) ? function.Address[^1..] : Scalar(function.Address[^1..]))}, id: {Scalar(function.VendorDevice)}{HostDriver(host.Facts, function)} }}   # {Comment(Describe(host, function))}\n");
        }

        text.Append("    vm:\n");
        text.Append(i, $"      vcpus: {host.VmVcpus}\n");
        text.Append(i, $"      memory: {host.VmMemoryGib}GiB\n");
        text.Append("    gpus:\n");
        foreach (var gpu in host.Gpus)
        {
            var notes = new List<string> { gpu.Device.NumaNodeName, gpu.Device.IommuGroup is { } g ? $"IOMMU group {g}" : "IOMMU off", $"driver {gpu.Device.Driver ?? "none"}" };
            if (gpu.Device.VendorDevice != model.Device.VendorDevice)
            {
                notes.Add($"another model ({gpu.Device.VendorDevice}): give it its own host entry or gpu_model");
            }

            notes.AddRange(gpu.Strangers.Select(s => $"WARNING: its group also holds {s.Address} ({s.VendorDevice}), move the card"));
            text.Append(i, $"      - {{ address: {Scalar(gpu.Device.Address)} }}   # {Comment(string.Join(", ", notes))}\n");
        }
    }

    /// <summary>
    /// A driver that holds the function now and that vfio-pci is not always loaded before
    /// (amdgpu, ...): the softdep it needs, by its module's name (driver nvidia-gpu is module
    /// i2c_nvidia_gpu). None for a built-in driver: no softdep acts on it (the early rebind does).
    /// </summary>
    private static string HostDriver(Facts.HostFacts facts, Facts.PciDeviceFacts device)
    {
        if (device.Driver is not { } driver || driver == "vfio-pci" || facts.DriverInfo(driver) is { BuiltIn: true })
        {
            return "";
        }

        var module = facts.DriverInfo(driver)?.Module ?? driver;
        return !Desired.HostDrivers.Always.Contains(module) && Inventory.Values.SafeText.IsModuleName(module) ? $", host_driver: {module}" : "";
    }

    // What a host reports (os-release, /proc/cpuinfo, pci.ids names, sysfs) is data, not YAML: a
    // newline in PRETTY_NAME must not end the comment and add keys, a quote must not end a value.
    private static string Comment(string text) => Printable.Escape(text);

    /// <summary>
    /// A value as YAML reads it back: plain when it is a simple name or address, else
    /// double-quoted with escapes. Words YAML would read as another type (null, true, 1e3) are quoted too.
    /// </summary>
    private static string Scalar(string text) =>
        PlainSafe().IsMatch(text) && !char.IsDigit(text[0]) && text.ToLowerInvariant() is not ("null" or "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n")
            ? text
            : Templates.TemplateFunctions.YamlQuote(text);

    private static string Describe(DiscoveredHost host, Facts.PciDeviceFacts device) =>
        host.Facts.Deep?.PciNames.GetValueOrDefault(device.Address) is { } names ? $"{names.Class}: {names.Vendor} {names.Device}" : $"class {device.Class}";

    /// <summary>
    /// The marketing name where pci.ids has one ("GA102GL [RTX A5000]" from "NVIDIA Corporation"
    /// gives "NVIDIA RTX A5000"); model names go into plans and runbooks, so letters, digits,
    /// spaces and a few marks only.
    /// </summary>
    private static string ModelName(DiscoveredHost host, DiscoveredGpu gpu)
    {
        var name = gpu.Name;
        var open = name.IndexOf('[', StringComparison.Ordinal);
        var close = name.IndexOf(']', StringComparison.Ordinal);
        if (open >= 0 && close > open)
        {
            var vendor = host.Facts.Deep?.PciNames.GetValueOrDefault(gpu.Device.Address)?.Vendor.Split(' ')[0] ?? "";
            name = (vendor + " " + name[(open + 1)..close]).Trim();
        }

        return Spaces().Replace(Unsafe().Replace(name, " "), " ").Trim();
    }

    // No leading/trailing space, no YAML indicator, nothing the plain style would read as another type than a string it holds.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PlainSafe();

    [GeneratedRegex(" {2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();

    [GeneratedRegex(@"[^A-Za-z0-9 ._/+:-]+", RegexOptions.CultureInvariant)]
    private static partial Regex Unsafe();
}
