using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>One GPU slot: all of its functions go to one worker VM.</summary>
public sealed record Gpu(int Index, PciAddress Address, string? ModelName, IReadOnlyList<GpuFunction> Functions, WorkerVm Vm);

public sealed record GpuFunction(PciAddress Address, PciId? Id);
