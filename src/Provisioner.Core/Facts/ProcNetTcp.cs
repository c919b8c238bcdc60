using System.Globalization;
using System.Net;

namespace Provisioner.Core.Facts;

/// <summary>
/// Reads the kernel's /proc/net/tcp(6) address notation: "0100007F:170C" is 127.0.0.1:5900.
/// The address is the raw in-memory value, so each 32-bit word is little-endian on x86; the
/// port is plain hex.
/// </summary>
public static class ProcNetTcp
{
    public static ListenerFacts? Listener(string local)
    {
        var colon = local.IndexOf(':', StringComparison.Ordinal);
        if (colon is not (8 or 32))
        {
            return null;
        }

        var bytes = Convert.FromHexString(local[..colon]);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new ListenerFacts(new IPAddress(bytes).ToString(), (int)Hex(local[(colon + 1)..]));
    }

    /// <summary>"0x0000038000ffffff" or "170C" as a number; 0 when it is not hex.</summary>
    public static long Hex(string text) =>
        long.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
