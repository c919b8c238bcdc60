using System.Globalization;
using System.Text.RegularExpressions;

namespace Provisioner.Core.Inventory.Values;

/// <summary>A PCI function address DDDD:BB:SS.F, normalised to lower-case with the domain.</summary>
public sealed partial record PciAddress(int Domain, int Bus, int Slot, int Function) : IComparable<PciAddress>
{
    public static bool TryParse(string text, out PciAddress? address)
    {
        address = null;
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var domain = match.Groups[1].Success ? Hex(match.Groups[1].Value) : 0;
        var slot = Hex(match.Groups[3].Value);
        var function = Hex(match.Groups[4].Value);
        if (slot > 0x1f || function > 7)
        {
            return false;
        }

        address = new PciAddress(domain, Hex(match.Groups[2].Value), slot, function);
        return true;
    }

    public PciAddress WithFunction(int function) => this with { Function = function };

    public static bool operator <(PciAddress left, PciAddress right) => left.CompareTo(right) < 0;

    public static bool operator <=(PciAddress left, PciAddress right) => left.CompareTo(right) <= 0;

    public static bool operator >(PciAddress left, PciAddress right) => left.CompareTo(right) > 0;

    public static bool operator >=(PciAddress left, PciAddress right) => left.CompareTo(right) >= 0;

    /// <summary>The same slot, function 0: the identity of a multi-function device.</summary>
    public PciAddress Slot0 => WithFunction(0);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Domain:x4}:{Bus:x2}:{Slot:x2}.{Function:x1}");

    public int CompareTo(PciAddress? other) =>
        other is null ? 1 : (Domain, Bus, Slot, Function).CompareTo((other.Domain, other.Bus, other.Slot, other.Function));

    private static int Hex(string value) => int.Parse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\A(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
