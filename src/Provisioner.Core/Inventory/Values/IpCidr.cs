using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.Core.Inventory.Values;

/// <summary>An IPv4 or IPv6 address with its prefix length, e.g. 10.20.0.21/24.</summary>
public sealed record IpCidr(IPAddress Address, int PrefixLength)
{
    public static bool TryParse(string text, out IpCidr? cidr)
    {
        cidr = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseAddress(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            return false;
        }

        var max = address!.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (prefix < 1 || prefix > max)
        {
            return false;
        }

        cidr = new IpCidr(address, prefix);
        return true;
    }

    /// <summary>Strict parse: IPAddress.TryParse alone accepts "10.1" and "12345".</summary>
    public static bool TryParseAddress(string text, out IPAddress? address)
    {
        address = null;
        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
        {
            return false;
        }

        // 010.020.000.021: inet_aton (and so ping, ssh, glibc) reads a leading zero as octal
        // (8.16.0.17), .NET as decimal: refused, so no two tools ever disagree on the address.
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Split('.').Any(o => o.Length > 1 && o[0] == '0'))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>The dotted netmask of an IPv4 prefix (ifcfg files want NETMASK or PREFIX; we write PREFIX).</summary>
    public override string ToString() => Address + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);
}
