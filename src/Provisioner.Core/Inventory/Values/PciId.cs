using System.Text.RegularExpressions;

namespace Provisioner.Core.Inventory.Values;

/// <summary>A PCI vendor:device id such as 10de:2231, lower-case.</summary>
public sealed partial record PciId(string Vendor, string Device)
{
    public static bool TryParse(string text, out PciId? id)
    {
        var match = Pattern().Match(text);
        id = match.Success ? new PciId(match.Groups[1].Value.ToLowerInvariant(), match.Groups[2].Value.ToLowerInvariant()) : null;
        return id is not null;
    }

    public override string ToString() => Vendor + ":" + Device;

    [GeneratedRegex("\\A([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
