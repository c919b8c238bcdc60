using System.Globalization;
using System.Text.RegularExpressions;

namespace Provisioner.Core.Inventory.Values;

/// <summary>
/// A size in bytes. Parses "24GiB", "100G", "512MiB", "2T", "500GB": K/M/G/T and KiB/MiB/GiB/TiB
/// are powers of 1024 (as qemu-img and libvirt read them); KB/MB/GB/TB are powers of 1000.
/// </summary>
public readonly partial record struct ByteSize(long Bytes)
{
    public const long KiB = 1024;
    public const long MiB = 1024 * KiB;
    public const long GiB = 1024 * MiB;
    public const long TiB = 1024 * GiB;

    /// <summary>
    /// The largest size an inventory may give (host memory, a VM's memory, a disk): above any
    /// machine Provisioner drives, and small enough that the sums a fleet makes of them (all the
    /// VMs' memory of a host, with its reserve) can never wrap a 64-bit count.
    /// </summary>
    public static readonly ByteSize MaxSupported = new(64 * TiB);

    public long KibiBytes => Bytes / KiB;

    public static ByteSize FromGiB(long gib) => new(gib * GiB);

    public static bool TryParse(string text, out ByteSize size)
    {
        size = default;
        var match = SizePattern().Match(text);
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        long multiplier = match.Groups[2].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KIB" => KiB,
            "M" or "MIB" => MiB,
            "G" or "GIB" => GiB,
            "T" or "TIB" => TiB,
            "KB" => 1000L,
            "MB" => 1000L * 1000,
            "GB" => 1000L * 1000 * 1000,
            "TB" => 1000L * 1000 * 1000 * 1000,
            _ => 0,
        };
        if (multiplier == 0 || number > long.MaxValue / multiplier)
        {
            return false;
        }

        size = new ByteSize(number * multiplier);
        return true;
    }

    /// <summary>The largest binary unit that divides the size exactly: "24GiB", "512MiB".</summary>
    public override string ToString()
    {
        foreach (var (unit, factor) in new[] { ("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB) })
        {
            if (Bytes != 0 && Bytes % factor == 0)
            {
                return (Bytes / factor).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return Bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }

    [GeneratedRegex(@"\A([0-9]+)\s?([KMGT]i?B?|B)?\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
