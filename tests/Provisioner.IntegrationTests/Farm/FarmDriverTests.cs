using System.Text.Json;
using Provisioner.Farm.Frames;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The driver checks and OPTIX,CUDA (seed 000) with a real worker, redis-server and Debian's
/// Blender. The card is the stand-in nvidia-smi answering in the real format for an old and a new
/// driver (before 510 it refuses compute_cap, as real drivers do); Blender is
/// tests/farm/blender-on-a-cuda-only-vm: the real one, whose own "Found no Cycles device of the
/// specified type" answers OptiX, with CUDA let through to render.
/// </summary>
[Collection("farm")]
public sealed class FarmDriverTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    [Fact]
    public async Task OldDriversAreRefusedWithTheirReason_OptixFallsBackToCudaNeverCpu_TheDriverIsReported()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, null);
        using var gpu = new StandInGpu();
        gpu.Set(0, 34, name: "NVIDIA A100-SXM4-40GB", driverVersion: "460.32.03", computeCapability: "8.0");
        farm.StartWorker("w1", new Dictionary<string, string>
        {
            ["PROVISION_RENDER_DEVICE"] = "OPTIX,CUDA",
            ["PROVISION_NVIDIA_SMI"] = gpu.Path,
            ["PROVISION_BLENDER"] = Repo.Path("tests", "farm", "blender-on-a-cuda-only-vm"),
        });

        // The driver goes out with the heartbeat: the API and farm workers show it.
        await farm.WaitUntilAsync(async () => (await farm.Reader.WorkerAsync("w1", CancellationToken.None)).GpuDriver == "460.32.03", TimeSpan.FromMinutes(1), "w1 to report its driver");
        using (var workers = JsonDocument.Parse(await service.Http.GetStringAsync("api/v1/workers")))
        {
            Assert.Equal("460.32.03", workers.RootElement[0].GetProperty("gpu_driver").GetString());
        }

        var listed = await CliRunner.RunAsync("farm", "workers", "--queue", farm.Redis.Url);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Contains("460.32.03", listed.Stdout, StringComparison.Ordinal);

        // Seed 000: an A100 on 460 cannot run Blender's CUDA; refused before Blender starts.
        var old = await RunAsync(farm, "a100-460", "CUDA", "1");
        Assert.Equal("failed", old.Status);
        Assert.Contains("CUDA task refused: NVIDIA A100-SXM4-40GB, driver 460.32.03, compute 8.0: driver 460.32.03 is older than 470, which an A100-class card (compute 8.0) in Blender 3.0 or newer needs (seed 000", old.LastError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(farm.Output, "a100-460")), "nothing was rendered");

        // The driver updated to 470: OptiX first; Blender finds no OptiX device; CUDA renders, recorded.
        gpu.Set(0, 34, name: "NVIDIA A100-SXM4-40GB", driverVersion: "470.57.02", computeCapability: "8.0");
        var fellBack = await RunAsync(farm, "a100-470", "OPTIX,CUDA", "1-2");
        Assert.True(fellBack.Status == "done", fellBack.LastError + "\n" + farm.Logs());
        foreach (var frame in new[] { 1, 2 })
        {
            Assert.Null(FrameCheck.Problem(Path.Combine(farm.Output, "a100-470", $"frame_{frame:0000}.png"), null));
        }

        Assert.Equal(1, fellBack.Flagged.GetValueOrDefault("cuda-fallback"));
        Assert.Contains("OptiX passed over for CUDA: Blender found no OptiX device on this card", fellBack.LastWarning, StringComparison.Ordinal);
        await farm.WaitUntilAsync(async () => (await farm.Reader.WorkerAsync("w1", CancellationToken.None)).GpuDriver == "470.57.02", TimeSpan.FromSeconds(20), "w1 to report the new driver");

        // OptiX alone never falls back: Blender's own error fails the task.
        var optixOnly = await RunAsync(farm, "optix-only", "OPTIX", "3");
        Assert.Equal("failed", optixOnly.Status);
        Assert.Contains("Found no Cycles device of the specified type", optixOnly.LastError, StringComparison.Ordinal);

        // An RTX A5000 on 465: fine for its architecture, too old for OptiX in Blender 3.x.
        gpu.Set(0, 34, name: "NVIDIA RTX A5000", driverVersion: "465.19.01", computeCapability: "8.6");
        var tooOld = await RunAsync(farm, "a5000-optix", "OPTIX", "4");
        Assert.Equal("failed", tooOld.Status);
        Assert.Contains("OPTIX task refused: NVIDIA RTX A5000, driver 465.19.01, compute 8.6: driver 465.19.01 is older than 470, which OptiX in Blender 3.0 or newer needs (Blender 3.0 manual", tooOld.LastError, StringComparison.Ordinal);
        var cuda = await RunAsync(farm, "a5000-both", "OPTIX,CUDA", "4");
        Assert.True(cuda.Status == "done", cuda.LastError + "\n" + farm.Logs());
        Assert.Equal(1, cuda.Flagged.GetValueOrDefault("cuda-fallback"));
        Assert.Contains("OptiX passed over for CUDA: driver 465.19.01 is older than 470", cuda.LastWarning, StringComparison.Ordinal);
        output.WriteLine(farm.Logs());
    }

    private async Task<Provisioner.Farm.Queue.JobStatus> RunAsync(FarmHarness farm, string id, string device, string frames)
    {
        var submitted = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", frames, "--chunk", "2", "--device", device, "--id", id,
            "--max-attempts", "1", "--output", Path.Combine(farm.Output, id), "--queue", farm.Redis.Url);
        Assert.True(submitted.ExitCode == 0, submitted.Stderr);
        return await farm.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
    }
}
