namespace Provisioner.Farm.Telemetry;

/// <summary>
/// What the GPU telemetry found wrong with a task or a worker. Flags, not failures: the frames
/// may be right, only slower or dearer than they should be.
/// </summary>
[Flags]
public enum GpuWarnings
{
    None = 0,

    /// <summary>A GPU task during which the GPU stayed near idle: Cycles rendered on the CPU without saying so.</summary>
    CpuFallback = 1,

    /// <summary>The GPU slowed itself down (thermal, hardware or power-brake slowdown).</summary>
    Throttled = 2,

    /// <summary>The GPU ran above the inventory's temperature limit.</summary>
    Hot = 4,

    /// <summary>An EEVEE or Workbench task of a CPU job drew on a software OpenGL renderer (Mesa llvmpipe): allowed, and said.</summary>
    SoftwareGl = 8,

    /// <summary>A job asking for OPTIX,CUDA rendered on CUDA because OptiX was not there.</summary>
    CudaFallback = 16,
}

/// <summary>The flags' words as the queue stores them and every reader shows them: "cpu-fallback,throttled,hot".</summary>
public static class GpuWarningNames
{
    private static readonly (GpuWarnings Flag, string Name)[] Names =
        [
            (GpuWarnings.CpuFallback, "cpu-fallback"), (GpuWarnings.Throttled, "throttled"), (GpuWarnings.Hot, "hot"),
            (GpuWarnings.SoftwareGl, "software-gl"), (GpuWarnings.CudaFallback, "cuda-fallback"),
        ];

    /// <summary>Every flag's word, in order: the label values /metrics uses.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Name)];

    public static string Format(GpuWarnings flags) => string.Join(',', Names.Where(n => flags.HasFlag(n.Flag)).Select(n => n.Name));

    /// <summary>Reads what <see cref="Format"/> wrote; words it does not know (a newer worker's) are left out.</summary>
    public static GpuWarnings Parse(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Aggregate(GpuWarnings.None, (flags, word) => flags | Names.FirstOrDefault(n => n.Name == word).Flag);

    /// <summary>The flags as a list of words, for JSON answers.</summary>
    public static IReadOnlyList<string> Words(GpuWarnings flags) => [.. Names.Where(n => flags.HasFlag(n.Flag)).Select(n => n.Name)];

    public static string Name(GpuWarnings flag) => Names.First(n => n.Flag == flag).Name;
}
