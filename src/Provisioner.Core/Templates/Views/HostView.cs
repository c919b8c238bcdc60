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

public sealed record HugepagesView(string Size, long SizeKib, long Count, string Total);

public sealed record GpuView(string Address, string? Model, IReadOnlyList<string> Functions, string VmName);
