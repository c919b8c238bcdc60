namespace Provisioner.Core.Desired;

/// <summary>
/// Kernel command-line arguments as a set: every arg in <see cref="Add"/> must be present exactly
/// once, every arg in <see cref="Remove"/> absent (e.g. a firmware-era intel_iommu=off).
/// A set, because appending the same arg twice is one of the classic traps.
/// </summary>
public sealed record KernelArgs(IReadOnlyList<string> Add, IReadOnlyList<string> Remove)
{
    /// <summary>The arguments to add that <paramref name="cmdline"/> lacks, and those to remove it has.</summary>
    public (IReadOnlyList<string> Missing, IReadOnlyList<string> Unwanted) Diff(string cmdline)
    {
        var present = cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return ([.. Add.Where(a => !present.Contains(a, StringComparer.Ordinal))],
                [.. Remove.Where(r => present.Contains(r, StringComparer.Ordinal))]);
    }
}
