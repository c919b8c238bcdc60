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

    /// <summary>A stable MAC in QEMU's 52:54:00 range from three bytes of a hash.</summary>
    public static MacAddress FromHash(ReadOnlySpan<byte> hash) =>
        new(string.Create(CultureInfo.InvariantCulture, $"52:54:00:{hash[0]:x2}:{hash[1]:x2}:{hash[2]:x2}"));

    public override string ToString() => Value;

    [GeneratedRegex("^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\\1[0-9a-fA-F]{2}){4}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
