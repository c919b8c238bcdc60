namespace Provisioner.Core.Desired;

/// <summary>
/// Kernel command-line arguments as a set: every arg in <see cref="Add"/> must be present exactly
/// once, every arg in <see cref="Remove"/> absent (e.g. a firmware-era intel_iommu=off).
/// A set, because appending the same arg twice is one of the classic traps.
/// </summary>
public sealed record KernelArgs(IReadOnlyList<string> Add, IReadOnlyList<string> Remove)
{
    /// <summary>
    /// Owned keys that must have no value at all: hugepages= once Provisioner reserves the pages
    /// per NUMA node at boot (a boot-time count is split evenly over the nodes, and the kernel
    /// keeps the first one, so a left-over hugepages=8 would compete with ours).
    /// </summary>
    public IReadOnlyList<string> Clear { get; init; } = [];

    /// <summary>
    /// Keys whose value is ours once we set them: any other value of one of these on a command line
    /// (a left-over hugepages=8, intel_iommu=off) is removed, because the kernel keeps the first
    /// hugepages= and the last IOMMU switch, whichever we did not write.
    /// </summary>
    public static IReadOnlySet<string> OwnedKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "hugepages", "hugepagesz", "default-hugepagesz", "intel-iommu", "amd-iommu", "iommu", "vfio-pci.ids", "pcie-acs-override",
    };

    /// <summary>
    /// The owned keys this host sets (<see cref="OwnedKeys"/> among <see cref="Add"/>'s keys) or
    /// clears (<see cref="Clear"/>), in order, each in every spelling the kernel takes for it: it
    /// reads '-' and '_' in a parameter name alike, so vfio_pci.ids= is the same key as vfio-pci.ids=.
    /// </summary>
    public IReadOnlyList<string> SetKeys =>
        [.. Add.Select(a => a.Split('=', 2)[0]).Concat(Clear).Where(k => OwnedKeys.Contains(Key(k)))
            .SelectMany(k => new[] { k, k.Replace('-', '_'), k.Replace('_', '-') }).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The arguments to add that <paramref name="cmdline"/> lacks, and those to remove it has: the
    /// unwanted ones (<see cref="Remove"/>), every other value of a key we set, every value of a key we clear.
    /// </summary>
    public (IReadOnlyList<string> Missing, IReadOnlyList<string> Unwanted) Diff(string cmdline)
    {
        var present = cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var setKeys = SetKeys.Select(Key).ToHashSet(StringComparer.Ordinal);
        return ([.. Add.Where(a => !present.Contains(a, StringComparer.Ordinal))],
                [.. present.Where(p => Remove.Contains(p, StringComparer.Ordinal) || (setKeys.Contains(Key(p)) && !Add.Contains(p, StringComparer.Ordinal))).Distinct(StringComparer.Ordinal)]);
    }

    // The key as the kernel compares it ('-' and '_' alike).
    private static string Key(string arg) => arg.Split('=', 2)[0].Replace('_', '-');
}
