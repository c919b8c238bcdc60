using System.Globalization;

namespace Provisioner.Core.Facts;

/// <summary>The kernel's CPU list notation ("0-15,32-47").</summary>
public static class CpuList
{
    public static int Count(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Sum(part =>
    {
        var dash = part.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? 1 : int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture) - int.Parse(part[..dash], CultureInfo.InvariantCulture) + 1;
    });

    /// <summary>Every CPU of a kernel cpulist ("0-3,8,10-11"); words that are no CPU numbers (isolcpus' flags: domain, managed_irq, nohz) are skipped.</summary>
    public static IEnumerable<int> Expand(string list)
    {
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var (from, to) = dash < 0 ? (part, part) : (part[..dash], part[(dash + 1)..]);
            if (int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var first) && int.TryParse(to, NumberStyles.None, CultureInfo.InvariantCulture, out var last) && last >= first && last - first < 65536)
            {
                for (var cpu = first; cpu <= last; cpu++)
                {
                    yield return cpu;
                }
            }
        }
    }
}
