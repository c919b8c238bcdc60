namespace Provisioner.Worker.Rendering;

/// <summary>One minimum: the driver <see cref="Minimum"/> that <see cref="Needs"/> requires, and where the figure comes from.</summary>
public sealed record DriverNeed(string Needs, DriverVersion Minimum, string Source);

/// <summary>
/// The NVIDIA driver each GPU architecture and each Blender needs (Linux figures). Every row names
/// its source; docs/farm.md shows the table. Figures newer manuals give without a version boundary
/// (495.89, 535) are documented there and not enforced.
/// </summary>
public static class DriverTable
{
    private const string CudaNotes = "NVIDIA CUDA Toolkit release notes, Table 3 (minimum driver of the first toolkit with that architecture)";

    /// <summary>By compute capability: the driver of the first CUDA toolkit that knows the architecture.</summary>
    public static IReadOnlyDictionary<string, DriverNeed> Architectures { get; } = new Dictionary<string, DriverNeed>(StringComparer.Ordinal)
    {
        ["7.0"] = new("compute 7.0 (Volta; CUDA 9.0)", DriverVersion.Of("384.81"), CudaNotes),
        ["7.5"] = new("compute 7.5 (Turing; CUDA 10.0)", DriverVersion.Of("410.48"), CudaNotes),
        ["8.0"] = new("compute 8.0 (Ampere GA100; CUDA 11.0)", DriverVersion.Of("450.36.06"), CudaNotes),
        ["8.6"] = new("compute 8.6 (Ampere GA10x; CUDA 11.1)", DriverVersion.Of("455.23"), CudaNotes),
        ["8.9"] = new("compute 8.9 (Ada; CUDA 11.8)", DriverVersion.Of("520.61.05"), CudaNotes),
        ["9.0"] = new("compute 9.0 (Hopper; CUDA 11.8)", DriverVersion.Of("520.61.05"), CudaNotes),
        ["10.0"] = new("compute 10.0 (Blackwell; CUDA 12.8)", DriverVersion.Of("570.26"), CudaNotes),
        ["12.0"] = new("compute 12.0 (Blackwell; CUDA 12.8)", DriverVersion.Of("570.26"), CudaNotes),
    };

    /// <summary>OptiX in Blender 3.0 and newer; earlier manuals gave no figure.</summary>
    public static DriverNeed Optix3 { get; } = new("OptiX in Blender 3.0 or newer", DriverVersion.Of("470"),
        "Blender 3.0 manual, render/cycles/gpu_rendering.rst (OptiX: driver 470 or newer)");

    /// <summary>Seed 000: an A100 with driver 460 fails in Blender, 470 works; for CUDA and OptiX alike.</summary>
    public static DriverNeed A100Blender3 { get; } = new("an A100-class card (compute 8.0) in Blender 3.0 or newer", DriverVersion.Of("470"),
        "seed 000: driver 460 cannot run an A100 in Blender, 470 can");
}
