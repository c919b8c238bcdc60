using System.Globalization;
using Provisioner.Farm.Jobs;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// The device a GPU task starts on, or why it must not start. <see cref="Device"/> is OPTIX or
/// CUDA (never OPTIX,CUDA: that is resolved here, and again if Blender then finds no OptiX
/// device); <see cref="Note"/> says why OptiX was passed over.
/// </summary>
public sealed record DeviceChoice(string? Device, string? Problem, string Note = "")
{
    /// <summary>Blender's own words when <c>--cycles-device</c> (or our device statement) names a type this machine lacks.</summary>
    public const string NoDeviceOfType = "Found no Cycles device of the specified type";

    /// <summary>Checks the card's driver against <see cref="DriverTable"/> for the job's device and this worker's Blender.</summary>
    public static DeviceChoice For(GpuIdentity gpu, string device, string? blenderVersion)
    {
        // A worker that could not ask its Blender is held to the newer (stricter) rules.
        var blender3 = BlenderMajor(blenderVersion) is not { } major || major >= 3;
        var needs = new List<DriverNeed>();
        if (gpu.Architecture is { } cc && DriverTable.Architectures.TryGetValue(cc, out var architecture))
        {
            needs.Add(architecture);
        }

        if (blender3 && gpu.Architecture == "8.0")
        {
            needs.Add(DriverTable.A100Blender3);
        }

        if (needs.Where(n => gpu.Driver.IsOlderThan(n.Minimum)).MaxBy(n => n.Minimum, DriverVersion.Order) is { } unmet)
        {
            return new(null, Refusal(device, gpu, unmet));
        }

        if (device == RenderDevices.Cuda)
        {
            return new(RenderDevices.Cuda, null);
        }

        if (blender3 && gpu.Driver.IsOlderThan(DriverTable.Optix3.Minimum))
        {
            return device == RenderDevices.OptixThenCuda
                ? new(RenderDevices.Cuda, null, $"OptiX passed over for CUDA: driver {gpu.Driver} is older than {DriverTable.Optix3.Minimum}, which {DriverTable.Optix3.Needs} needs ({DriverTable.Optix3.Source})")
                : new(null, Refusal(device, gpu, DriverTable.Optix3) + "; or submit with --device CUDA or OPTIX,CUDA");
        }

        return new(RenderDevices.Optix, null);
    }

    private static string Refusal(string device, GpuIdentity gpu, DriverNeed need) =>
        $"{device} task refused: {gpu}: driver {gpu.Driver} is older than {need.Minimum}, which {need.Needs} needs ({need.Source}); "
        + "install a newer NVIDIA driver in the VM (worker.nvidia_packages) and restart the worker";

    private static int? BlenderMajor(string? version) =>
        version?.Split('.')[0] is { } major && int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
}
