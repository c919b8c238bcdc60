namespace Provisioner.Farm.Jobs;

/// <summary>
/// The devices a job or a worker renders on. <see cref="OptixThenCuda"/> asks for OptiX and, where
/// this card, its driver or the Blender cannot give OptiX, CUDA on the same card: never the CPU,
/// which would take a GPU hour's work at a fraction of the speed. The fallback is recorded on the task.
/// </summary>
public static class RenderDevices
{
    public const string Optix = "OPTIX";
    public const string Cuda = "CUDA";
    public const string Cpu = "CPU";
    public const string OptixThenCuda = "OPTIX,CUDA";

    public static readonly IReadOnlyList<string> All = [Optix, Cuda, Cpu, OptixThenCuda];

    public static bool IsGpu(string device) => device != Cpu;
}
