namespace Provisioner.Core.Templates.Views;

// What host templates see, as `host.*` (Scriban renames PascalCase to snake_case).
// Values are precomputed here so templates stay free of logic. docs/templates.md lists them.

public sealed record HostView(
    string Name,
    string Os,
    bool IsEl,
    string CpuVendor,
    IReadOnlyList<string> KernelArgs,
    IReadOnlyList<string> KernelArgsRemove,
    IReadOnlyList<string> KernelArgsOwnedKeys,
    IReadOnlyList<string> VfioIds,
    IReadOnlyList<string> VfioFunctions,
    IReadOnlyList<string> Softdeps,
    IReadOnlyList<string> Modules,
    bool BlacklistNouveau,
    HugepagesView Hugepages,
    IReadOnlyList<GpuView> Gpus);

/// <param name="OnGpuNode">The pages each hugepage-backed VM pinned to its GPU's NUMA node needs, by GPU address: that node must hold them.</param>
/// <param name="Loose">The rest of <paramref name="Count"/> (VMs not pinned, and any surplus): spread evenly over the nodes.</param>
public sealed record HugepagesView(string Size, long SizeKib, long Count, string Total, IReadOnlyList<GpuPagesView> OnGpuNode, long Loose);

public sealed record GpuPagesView(string Address, long Pages);

public sealed record GpuView(string Address, string? Model, IReadOnlyList<string> Functions, string VmName);
