using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>One GPU slot: all of its functions go to one worker VM.</summary>
public sealed record Gpu(int Index, PciAddress Address, string? ModelName, IReadOnlyList<GpuFunction> Functions, WorkerVm Vm)
{
    /// <summary>What an hour of this GPU costs (gpu_model.hourly_cost); null: no cost is counted.</summary>
    public decimal? HourlyCost { get; init; }

    /// <summary>°C above which its worker flags heat (gpu_model.temperature_limit); null: the worker's default.</summary>
    public int? TemperatureLimit { get; init; }
}

/// <summary>One PCI function of a GPU slot; <paramref name="HostDriver"/> is the driver vfio-pci must be loaded before (beyond the NVIDIA defaults).</summary>
public sealed record GpuFunction(PciAddress Address, PciId? Id, string? HostDriver = null);
