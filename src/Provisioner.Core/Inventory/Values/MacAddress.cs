using System.Globalization;
using System.Text.RegularExpressions;

namespace Provisioner.Core.Inventory.Values;

/// <summary>A unicast MAC address, lower-case with colons.</summary>
public sealed partial record MacAddress(string Value)
{
    public static bool TryParse(string text, out MacAddress? mac)
    {
        mac = null;
        if (!Pattern().IsMatch(text))
        {
            return false;
        }

        var firstOctet = int.Parse(text[..2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((firstOctet & 1) == 1)
        {
            return false; // multicast bit set: not usable for a NIC
        }

        mac = new MacAddress(text.Replace('-', ':').ToLowerInvariant());
        return true;
    }

    /// <summary>
    /// A stable, locally administered unicast MAC (first octet 0x52, as QEMU's own) from five bytes
    /// of a hash. Not 52:54:00:xx:xx:xx: three bytes collide by the birthday bound in a fleet of a
    /// few thousand VMs; forty bits make that about 3e-5 for 8,000 VMs (and PRV017 still checks).
    /// </summary>
    public static MacAddress FromHash(ReadOnlySpan<byte> hash) =>
        new(string.Create(CultureInfo.InvariantCulture, $"52:{hash[0]:x2}:{hash[1]:x2}:{hash[2]:x2}:{hash[3]:x2}:{hash[4]:x2}"));

    public override string ToString() => Value;

    [GeneratedRegex("\\A[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\\1[0-9a-fA-F]{2}){4}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
