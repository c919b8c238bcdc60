using System.Text;
using System.Text.Json;
using Provisioner.Remote.Libvirt;

namespace Provisioner.Tests.Remote;

/// <summary>
/// The in-guest GPU check against a stand-in for qemu-ga (no guest with a GPU can run here): it
/// answers guest-exec with a pid and guest-exec-status as qemu-ga does — not exited at first,
/// then exited with the exit code and base64 output.
/// </summary>
public sealed class GuestGpuCheckTests
{
    /// <summary>A guest with lspci; with nvidia-smi too when <paramref name="smiOutput"/> is given (else qemu-ga cannot start it).</summary>
    private sealed class QemuGuestAgent(string lspciOutput, int exitCode = 0, int runningPolls = 2, string? smiOutput = null, int smiExit = 0, string queryOutput = "NVIDIA RTX A5000, 535.104.05\n")
    {
        private int _polls;

        public string Answer(string json)
        {
            using var command = JsonDocument.Parse(json);
            return command.RootElement.GetProperty("execute").GetString() switch
            {
                "guest-exec" when command.RootElement.GetProperty("arguments").GetProperty("path").GetString() == "lspci" => """{"return":{"pid":4242}}""",
                "guest-exec" when command.RootElement.GetProperty("arguments").GetProperty("path").GetString() == "nvidia-smi" && smiOutput is not null
                    && command.RootElement.GetProperty("arguments").GetProperty("arg")[0].GetString()!.StartsWith("--query-gpu=", StringComparison.Ordinal) => """{"return":{"pid":78}}""",
                "guest-exec-status" when command.RootElement.GetProperty("arguments").GetProperty("pid").GetInt64() == 78 =>
                    $$$"""{"return":{"exitcode":0,"out-data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(queryOutput))}}}","exited":true}}""",
                "guest-exec" when command.RootElement.GetProperty("arguments").GetProperty("path").GetString() == "nvidia-smi" => smiOutput is null
                    ? """{"error":{"class":"GenericError","desc":"Guest agent command failed, error was 'Failed to execute child process \u201cnvidia-smi\u201d (No such file or directory)'"}}"""
                    : """{"return":{"pid":77}}""",
                "guest-exec-status" when command.RootElement.GetProperty("arguments").GetProperty("pid").GetInt64() == 77 =>
                    $$$"""{"return":{"exitcode":{{{smiExit}}},"out-data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(smiOutput!))}}}","exited":true}}""",
                "guest-exec-status" when command.RootElement.GetProperty("arguments").GetProperty("pid").GetInt64() == 4242 =>
                    ++_polls <= runningPolls
                        ? """{"return":{"exited":false}}"""
                        : $$$"""{"return":{"exitcode":{{{exitCode}}},"out-data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(lspciOutput))}}}","exited":true}}""",
                _ => throw new InvalidOperationException("qemu-ga: unexpected command " + json),
            };
        }
    }

    private const string OneGpu = "00:00.0 Host bridge [0600]: Intel Corporation 82G33/G31/P35/P31 Express DRAM Controller [8086:29c0]\n"
        + "00:05.0 VGA compatible controller [0300]: NVIDIA Corporation GA102GL [RTX A5000] [10de:2231] (rev a1)\n"
        + "00:06.0 Audio device [0403]: NVIDIA Corporation GA102 High Definition Audio Controller [10de:1aef] (rev a1)\n";

    [Fact]
    public void Problem_GpuShowsOnce_IsNone_AfterPollingUntilLspciExited()
    {
        var waits = 0;
        Assert.Null(GuestGpuCheck.Problem(new QemuGuestAgent(OneGpu).Answer, "10de:2231", () => waits++));
        Assert.Equal(2, waits);
    }

    [Fact]
    public void Problem_GpuMissingDoubledOrNoLspci_SaysWhat()
    {
        Assert.Equal("the GPU (10de:2231) is not visible in the guest", GuestGpuCheck.Problem(new QemuGuestAgent(OneGpu.Replace("10de:2231", "1af4:1050", StringComparison.Ordinal)).Answer, "10de:2231", () => { }));
        Assert.Equal("the guest sees 2 devices 10de:2231, not one", GuestGpuCheck.Problem(new QemuGuestAgent(OneGpu + OneGpu).Answer, "10de:2231", () => { }));
        Assert.StartsWith("lspci in the guest failed (exit 127)", GuestGpuCheck.Problem(new QemuGuestAgent("", exitCode: 127).Answer, "10de:2231", () => { }), StringComparison.Ordinal);
        Assert.Equal("lspci in the guest did not finish", GuestGpuCheck.Problem(new QemuGuestAgent(OneGpu, runningPolls: 100).Answer, "10de:2231", () => { }, polls: 5));
    }

    [Fact]
    public void Problem_WithNvidiaSmi_CountsItsGpus()
    {
        const string one = "GPU 0: NVIDIA RTX A5000 (UUID: GPU-6b1c7f4e-0d6a-2b1e-8f3c-9a2d4e5f6a7b)\n";
        Assert.Null(GuestGpuCheck.Problem(new QemuGuestAgent("", smiOutput: one).Answer, "10de:2231", () => { }));
        Assert.Equal("nvidia-smi -L in the guest lists 2 GPUs, not one",
            GuestGpuCheck.Problem(new QemuGuestAgent("", smiOutput: one + one.Replace("GPU 0", "GPU 1", StringComparison.Ordinal)).Answer, "10de:2231", () => { }));
        Assert.StartsWith("nvidia-smi -L in the guest failed (exit 9): NVIDIA-SMI has failed",
            GuestGpuCheck.Problem(new QemuGuestAgent("", smiOutput: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", smiExit: 9).Answer, "10de:2231", () => { }), StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_NamesTheCardAndItsDriver_ForCheck()
    {
        const string one = "GPU 0: NVIDIA RTX A5000 (UUID: GPU-6b1c7f4e-0d6a-2b1e-8f3c-9a2d4e5f6a7b)\n";
        Assert.Equal((null, "NVIDIA RTX A5000, driver 535.104.05"), GuestGpuCheck.Inspect(new QemuGuestAgent("", smiOutput: one).Answer, "10de:2231", () => { }));
        Assert.Equal((null, "NVIDIA A100-SXM4-40GB, driver 460.32.03"),
            GuestGpuCheck.Inspect(new QemuGuestAgent("", smiOutput: one, queryOutput: "NVIDIA A100-SXM4-40GB, 460.32.03\n").Answer, "10de:2231", () => { }));

        // Without nvidia-smi, lspci alone: the GPU shows, no driver to name.
        Assert.Equal((null, null), GuestGpuCheck.Inspect(new QemuGuestAgent(OneGpu).Answer, "10de:2231", () => { }));
    }
}
