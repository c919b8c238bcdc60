using Provisioner.Worker.Telemetry;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// Before a GPU task: the VM must see exactly one GPU (its passed-through card). With none,
/// Cycles would fall back to the CPU, or fail late; with two, the VM holds another worker's card.
/// Either way the worker refuses the task with the reason instead of rendering slowly on the CPU.
/// </summary>
public static class GpuGuard
{
    /// <summary>Null when the device is CPU or exactly one GPU is listed; otherwise the reason to refuse.</summary>
    public static async Task<(string? Problem, string Gpu)> CheckAsync(string device, string nvidiaSmi, CancellationToken cancellationToken)
    {
        if (device == "CPU")
        {
            return (null, "CPU");
        }

        var output = await new NvidiaSmi(nvidiaSmi).RunAsync(["-L"], cancellationToken).ConfigureAwait(false);
        if (output.StartFailure is { } why)
        {
            return ($"{device} task refused: {nvidiaSmi} cannot run ({why}); the NVIDIA driver is not installed in this VM", "");
        }

        if (output.ExitCode != 0)
        {
            return ($"{device} task refused: nvidia-smi failed ({output.Text.Trim()}); is the driver loaded and the GPU passed through?", "");
        }

        var gpus = output.Text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("GPU ", StringComparison.Ordinal)).ToArray();
        return gpus.Length == 1
            ? (null, gpus[0])
            : ($"{device} task refused: this VM sees {gpus.Length} GPUs, it must see exactly one (its own passed-through card); not rendering on the CPU instead", string.Join("; ", gpus));
    }
}
