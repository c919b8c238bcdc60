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
}
