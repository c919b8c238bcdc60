using System.Text.Json;

namespace Provisioner.Remote.Libvirt;

/// <summary>
/// Is the passed-through GPU visible inside the guest? Asked through the qemu guest agent
/// (guest-exec, then guest-exec-status until it exited), so no network path into the VM is
/// needed. With the NVIDIA driver installed, <c>nvidia-smi -L</c> must list exactly one GPU
/// (zero: passthrough or driver failed; two: another VM's GPU landed here); without it
/// (qemu-ga answers that the program does not exist) <c>lspci -nn</c> must show the GPU's
/// vendor:device exactly once. With one GPU shown, nvidia-smi also names it and its driver
/// version, which <c>check</c> reports per VM (the driver the worker's checks hold it to).
/// </summary>
public static class GuestGpuCheck
{
    /// <summary>What nvidia-smi asks for the pass line: "NVIDIA RTX A5000, 535.104.05".</summary>
    public static readonly string[] NameAndDriver = ["--query-gpu=name,driver_version", "--format=csv,noheader"];

    /// <summary>The problem, or null and (with nvidia-smi in the guest) the card and its driver, "NVIDIA RTX A5000, driver 535.104.05".</summary>
    public static (string? Problem, string? Seen) Inspect(Func<string, string> agent, string vendorDevice, Action wait, int polls = 20)
    {
        var problem = Problem(agent, vendorDevice, wait, polls);
        if (problem is not null || GuestExec.Run(agent, "nvidia-smi", NameAndDriver, wait, polls) is not { ExitCode: 0 } answer)
        {
            return (problem, null);
        }

        var row = answer.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var comma = row.LastIndexOf(',');
        return (null, comma > 0 ? $"{row[..comma].Trim()}, driver {row[(comma + 1)..].Trim()}" : null);
    }

    /// <param name="agent">Sends one guest agent command (JSON) and returns its answer (qemu-ga's error object when the command failed).</param>
    /// <param name="wait">Waits between status polls (the caller's clock).</param>
    /// <returns>null when the GPU shows exactly once, else what is wrong.</returns>
    public static string? Problem(Func<string, string> agent, string vendorDevice, Action wait, int polls = 20)
    {
        var smi = GuestExec.Run(agent, "nvidia-smi", ["-L"], wait, polls);
        if (smi is not null)
        {
            var (smiCode, smiOutput) = smi.Value;
            if (smiCode is null)
            {
                return "nvidia-smi -L in the guest did not finish";
            }

            var gpus = smiOutput.Split('\n').Count(l => l.StartsWith("GPU ", StringComparison.Ordinal));
            return smiCode != 0 ? $"nvidia-smi -L in the guest failed (exit {smiCode}): {smiOutput.Trim()}"
                : gpus == 1 ? null
                : $"nvidia-smi -L in the guest lists {gpus} GPUs, not one";
        }

        var lspci = GuestExec.Run(agent, "lspci", ["-nn"], wait, polls);
        if (lspci is not { } result)
        {
            return "neither nvidia-smi nor lspci can run in the guest: install the NVIDIA driver or pciutils in the image";
        }

        if (result.ExitCode is null)
        {
            return "lspci in the guest did not finish";
        }

        if (result.ExitCode != 0)
        {
            return $"lspci in the guest failed (exit {result.ExitCode}): is pciutils installed in the image?";
        }

        var count = result.Output.Split('\n').Count(line => line.Contains("[" + vendorDevice + "]", StringComparison.OrdinalIgnoreCase));
        return count switch
        {
            1 => null,
            0 => $"the GPU ({vendorDevice}) is not visible in the guest",
            _ => $"the guest sees {count} devices {vendorDevice}, not one",
        };
    }
}
