using System.Globalization;
using System.Text.RegularExpressions;
using Provisioner.Core.Facts;

namespace Provisioner.Tests.Support;

/// <summary>
/// The IOMMU group listing a real machine's owner published (../shared/realhw/dumps), read as the
/// fact probe would have read that machine: every device with its class, vendor:device id and
/// group. Both published forms are read wherever they stand in the document: the flat loop output
/// (`IOMMU Group 1 01:00.0 VGA ... [0300]: ... [10de:1e04]`) and the block form (`IOMMU Group 1:`
/// or `IOMMU group 1`, then one device a line). A device listed twice (a second listing after an
/// ACS override) keeps its first group: the machine as it boots without the patch.
/// </summary>
public static partial class PublishedListing
{
    public static string Dump(string prefix) =>
        Directory.GetFiles(System.IO.Path.Combine(Repo.Root, "..", "shared", "realhw", "dumps"), prefix + "-*.txt").Single();

    public static IReadOnlyList<PciDeviceFacts> Devices(string prefix)
    {
        var devices = new Dictionary<string, PciDeviceFacts>(StringComparer.Ordinal);
        int? block = null;
        foreach (var line in File.ReadLines(Dump(prefix)))
        {
            if (GroupHeader().Match(line) is { Success: true } header)
            {
                block = int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture);
                continue;
            }

            var flat = FlatLine().Match(line);
            var device = Device().Match(flat.Success ? flat.Groups[2].Value : line);
            if (!device.Success || (!flat.Success && block is null))
            {
                block = device.Success ? block : line.Trim().Length == 0 || line.StartsWith("```", StringComparison.Ordinal) ? null : block;
                continue;
            }

            var group = flat.Success ? int.Parse(flat.Groups[1].Value, CultureInfo.InvariantCulture) : block!.Value;
            var address = (device.Groups[1].Success ? device.Groups[1].Value : "0000") + ":" + device.Groups[2].Value.ToLowerInvariant();
            devices.TryAdd(address, new PciDeviceFacts(address, device.Groups[4].Value.ToLowerInvariant(), device.Groups[3].Value.ToLowerInvariant() + "00", null, group, 0));
        }

        return [.. devices.Values];
    }

    [GeneratedRegex(@"^\s*IOMMU [Gg]roup (\d+):?\s*$")]
    private static partial Regex GroupHeader();

    [GeneratedRegex(@"^\s*IOMMU [Gg]roup (\d+) (.*)$")]
    private static partial Regex FlatLine();

    [GeneratedRegex(@"^\s*(?:(\d{4}):)?([0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]) .*?\[([0-9a-fA-F]{4})\]: .*\[([0-9a-fA-F]{4}:[0-9a-fA-F]{4})\]")]
    private static partial Regex Device();
}
