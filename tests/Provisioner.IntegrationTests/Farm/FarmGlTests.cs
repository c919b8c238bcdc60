using System.Net;
using System.Text.Json;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// EEVEE and Workbench jobs, which draw with OpenGL (seed 003). The worker runs under xvfb-run as
/// a GPU worker (the stand-in nvidia-smi; no card can exist here), so Debian's Blender gets
/// Mesa's llvmpipe: a GPU EEVEE job is refused with that renderer's name before it renders, and
/// a CPU EEVEE or Workbench job renders on it, its frames decode, and it is flagged software-gl.
/// </summary>
[Collection("farm")]
public sealed class FarmGlTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    private static readonly string[] Xvfb = ["xvfb-run", "-a"];

    [Fact]
    public async Task UnderXvfb_AGpuEeveeJobIsRefusedNamingLlvmpipe_ACpuEeveeJobRendersOnItAndIsFlagged()
    {
        ExternalTool.Require("xvfb-run");
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, null);
        using var gpu = new StandInGpu();
        farm.StartWorker("w1", new Dictionary<string, string>
        {
            ["PROVISION_RENDER_DEVICE"] = "OPTIX",
            ["PROVISION_NVIDIA_SMI"] = gpu.Path,
            ["PROVISION_BLENDER"] = Repo.Path("tests", "farm", "blender-on-a-gpu-vm"),
        }, Xvfb);
        await farm.WaitUntilAsync(async () => (await farm.Reader.WorkerAsync("w1", CancellationToken.None)).Blender is not null, TimeSpan.FromMinutes(1), "w1 to report its Blender");

        // The engine ids this Blender takes, asked of it: 3.4 has BLENDER_EEVEE (not 4.2's _NEXT).
        var blender = (await farm.Reader.WorkerAsync("w1", CancellationToken.None)).Blender!;
        Assert.Equal(["BLENDER_EEVEE", "BLENDER_WORKBENCH", "CYCLES"], blender.Engines!.Order(StringComparer.Ordinal));
        Assert.Equal("BLENDER_EEVEE", blender.EngineId(Engines.Eevee));

        // A Cycles-only setting on an EEVEE job: refused at submit, nothing queued.
        var cycles = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", "1", "--engine", "eevee", "--noise-threshold", "0.1", "--queue", farm.Redis.Url);
        Assert.Equal(1, cycles.ExitCode);
        Assert.Contains("noise_threshold is a Cycles setting: engine EEVEE has none", cycles.Stderr, StringComparison.Ordinal);

        // A GPU EEVEE job: Blender gets llvmpipe, so the worker refuses before rendering.
        var gpuJob = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", "1", "--engine", "EEVEE", "--device", "OPTIX", "--id", "gpu-eevee",
            "--max-attempts", "1", "--output", Path.Combine(farm.Output, "gpu"), "--queue", farm.Redis.Url);
        Assert.True(gpuJob.ExitCode == 0, gpuJob.Stderr);
        var refused = await farm.WaitForEndAsync("gpu-eevee", TimeSpan.FromMinutes(2));
        Assert.Equal("failed", refused.Status);
        Assert.Contains("engine EEVEE on OPTIX: Blender got a software OpenGL renderer, 'llvmpipe", refused.LastError, StringComparison.Ordinal);
        Assert.Contains("(Mesa", refused.LastError, StringComparison.Ordinal);
        Assert.Contains("worker.gl", refused.LastError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(farm.Output, "gpu")), "nothing was rendered");

        // The same engine on the CPU: rendered on software GL, every frame whole, and flagged so.
        var cpuOutput = Path.Combine(farm.Output, "cpu");
        using (var submitted = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", new
        {
            id = "cpu-eevee",
            src = scene.Path,
            frames = "1-2",
            chunk = 2,
            output = cpuOutput,
            engine = "eevee",
            device = "CPU",
            samples = 4,
            resolution = "64x48",
        })))
        {
            Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        }

        var job = await farm.WaitForEndAsync("cpu-eevee", TimeSpan.FromMinutes(3));
        Assert.True(job.Status == "done", job.LastError + "\n" + farm.Logs());
        foreach (var frame in new[] { 1, 2 })
        {
            var file = Path.Combine(cpuOutput, $"frame_{frame:0000}.png");
            Assert.Null(FrameCheck.Problem(file, null));
            Assert.Equal((64, 48), PngSize(file));
        }

        Assert.Equal(1, job.Flagged.GetValueOrDefault("software-gl"));
        Assert.Contains("EEVEE drew on software OpenGL, 'llvmpipe", job.LastWarning, StringComparison.Ordinal);

        // The job's page says what it drew with: its engine in the settings, and the software-GL flag with the renderer.
        using (var browser = Browser.Start())
        {
            browser.Driver.Navigate().GoToUrl(service.Url + "#/jobs/cpu-eevee");
            await browser.WaitAsync(() => browser.Find("#last-warning"), TimeSpan.FromSeconds(20), "the EEVEE job's page with its GPU warning");
            Assert.StartsWith("render settings: engine EEVEE, format PNG, 4 samples, 64×48", browser.TextOf("#settings"), StringComparison.Ordinal);
            Assert.Contains("software-gl", browser.TextOf("#gpu-warnings"), StringComparison.Ordinal);
            Assert.Contains("llvmpipe", browser.TextOf("#last-warning"), StringComparison.Ordinal);
            // What a render job has no use for (the generation line) is left out, not written as "null".
            Assert.DoesNotContain("null", browser.Text().Split('\n').Select(line => line.Trim()));
            browser.Screenshot(Path.Combine(Browser.Shots, "dashboard-eevee-job.png"));
        }

        // Workbench too (no samples: it has none), and the worker says which GL it got.
        var workbench = new JobSpec { Id = "workbench", Src = scene.Path, Frames = "3", Output = Path.Combine(farm.Output, "wb"), Engine = Engines.Workbench, Device = "CPU", ResolutionX = 40, ResolutionY = 30, MaxAttempts = 1 };
        Assert.True(await farm.Queue.SubmitAsync(workbench, [FrameList.Parse("3")], CancellationToken.None));
        job = await farm.WaitForEndAsync("workbench", TimeSpan.FromMinutes(2));
        Assert.True(job.Status == "done", job.LastError + "\n" + farm.Logs());
        Assert.Equal((40, 30), PngSize(Path.Combine(farm.Output, "wb", "frame_0003.png")));
        await farm.WaitUntilAsync(async () => (await farm.Reader.WorkerAsync("w1", CancellationToken.None)).GlRenderer.Contains("llvmpipe", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "w1 to report its GL renderer");
        using var workers = JsonDocument.Parse(await service.Http.GetStringAsync("api/v1/workers"));
        Assert.Contains("llvmpipe", workers.RootElement[0].GetProperty("gl_renderer").GetString(), StringComparison.Ordinal);

        // A job asking for an engine no live worker's Blender has would be refused at submit; here every engine is there.
        using var fine = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", new { id = "eevee-ok", src = scene.Path, frames = "1", output = farm.Output, engine = "EEVEE", device = "CPU" }));
        Assert.NotEqual(HttpStatusCode.Conflict, fine.StatusCode);
        output.WriteLine(farm.Logs());
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var header = File.ReadAllBytes(path).AsSpan(16, 8);
        return ((header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3], (header[4] << 24) | (header[5] << 16) | (header[6] << 8) | header[7]);
    }
}
