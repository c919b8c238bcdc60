using System.Net;
using System.Text.Json;
using Provisioner.Farm.Jobs;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// Render settings end to end with Debian's Blender 3.4 as the worker's Blender: the worker asks
/// it what it can do, submit refuses what it lacks (OpenImageDenoise, which that build has not)
/// with the reason, and OpenEXR and JPEG jobs at a set resolution render frames of that size that
/// pass their format's check.
/// </summary>
[Collection("farm")]
public sealed class FarmRenderSettingsTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    [Fact]
    public async Task TheWorkersBlenderIsAsked_ADenoiserItLacksIsRefused_ExrAndJpegFramesComeAtTheSizeAsked()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, null);
        farm.StartWorker("w1");
        await farm.WaitUntilAsync(async () => (await farm.Reader.WorkerAsync("w1", CancellationToken.None)).Blender is not null, TimeSpan.FromMinutes(1), "w1 to report its Blender");

        // What the probe found, as the API shows it: Debian's build has no OpenImageDenoise and no OptiX card here.
        using var workers = JsonDocument.Parse(await service.Http.GetStringAsync("api/v1/workers"));
        var blender = workers.RootElement.EnumerateArray().Single().GetProperty("blender");
        Assert.StartsWith("3.4", blender.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Equal(["none"], blender.GetProperty("denoisers").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(["PNG", "OPEN_EXR", "JPEG"], blender.GetProperty("formats").EnumerateArray().Select(d => d.GetString()));

        // Refused at submit, through the API and the CLI alike, and nothing is queued.
        using var refused = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", new { id = "oidn", src = scene.Path, frames = "1-2", output = farm.Output, denoiser = "openimagedenoise" }));
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, problem);
        Assert.Contains("denoiser openimagedenoise: worker w1's Blender 3.4", problem, StringComparison.Ordinal);
        Assert.Contains("compiled without OpenImageDenoise", problem, StringComparison.Ordinal);
        var cli = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", "1", "--id", "oidn", "--output", farm.Output, "--denoiser", "openimagedenoise", "--queue", farm.Redis.Url);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("compiled without OpenImageDenoise", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Stderr, StringComparison.Ordinal);
        Assert.Null(await farm.Reader.JobAsync("oidn", CancellationToken.None));

        // OpenEXR at 64x48 and 50 %: 32x24 frames, each a whole EXR, and no preview in a browser.
        var exrOutput = Path.Combine(farm.Output, "exr");
        using var exr = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", new
        {
            id = "exr",
            src = scene.Path,
            frames = "1-3",
            output = exrOutput,
            chunk = 3,
            samples = 4,
            format = "open_exr",
            resolution = "64x48",
            percentage = 50,
            noise_threshold = 0.05,
            denoiser = "none",
            persistent_data = true,
        }));
        Assert.True(exr.IsSuccessStatusCode, await exr.Content.ReadAsStringAsync());
        var job = await farm.WaitForEndAsync("exr", TimeSpan.FromMinutes(3));
        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        foreach (var frame in new[] { 1, 2, 3 })
        {
            var file = Path.Combine(exrOutput, $"frame_{frame:0000}.exr");
            Assert.Equal((null, 32, 24), ExrCheck.Inspect(await File.ReadAllBytesAsync(file)));
        }

        // The dashboard's job page: the settings in words, and no preview for an OpenEXR frame.
        using (var browser = Browser.Start())
        {
            browser.Driver.Navigate().GoToUrl(service.Url + "#/jobs/exr");
            await browser.WaitAsync(() => browser.Find("#no-preview"), TimeSpan.FromSeconds(20), "the EXR job's no-preview note");
            Assert.Equal("-", browser.Driver.ExecuteScript("return [...document.querySelectorAll('.card')].find(c => c.querySelector('.label').textContent === 'Cost').querySelector('.value').textContent") as string); // no worker has a rate
            Assert.Equal("render settings: format OPEN_EXR, 4 samples, noise threshold 0.05, denoiser none, 64×48, at 50 %, persistent data on", browser.TextOf("#settings"));
            browser.Driver.ExecuteScript("document.getElementById('settings').scrollIntoView()");
            browser.Screenshot(Path.Combine(Browser.Shots, "dashboard-exr-job.png"));
        }

        using var preview = await service.Http.GetAsync("api/v1/jobs/exr/frames/1.exr");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, preview.StatusCode);
        using var wrongName = await service.Http.GetAsync("api/v1/jobs/exr/frames/1.png");
        Assert.Equal(HttpStatusCode.NotFound, wrongName.StatusCode);
        Assert.Contains("ask for 1.exr", await wrongName.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // JPEG at 40x30 through the CLI: whole JPEGs of that size, served as image/jpeg.
        var jpegOutput = Path.Combine(farm.Output, "jpeg");
        var submitted = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", "1-2", "--chunk", "2", "--id", "jpeg", "--output", jpegOutput,
            "--format", "JPEG", "--resolution", "40x30", "--samples", "4", "--queue", farm.Redis.Url);
        Assert.True(submitted.ExitCode == 0, submitted.Stderr);
        job = await farm.WaitForEndAsync("jpeg", TimeSpan.FromMinutes(3));
        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal((null, 40, 30), JpegCheck.Inspect(await File.ReadAllBytesAsync(Path.Combine(jpegOutput, "frame_0002.jpg"))));
        using var image = await service.Http.GetAsync("api/v1/jobs/jpeg/frames/2.jpg");
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);

        // A job that reached the queue without submit's check (an older client): the worker refuses
        // it before starting Blender, with the same reason, and the attempt fails.
        var direct = new JobSpec { Id = "direct", Src = scene.Path, Frames = "1", Output = farm.Output, Denoiser = Denoisers.OpenImageDenoise, MaxAttempts = 1 };
        Assert.True(await farm.Queue.SubmitAsync(direct, [Provisioner.Farm.Frames.FrameList.Parse("1")], CancellationToken.None));
        job = await farm.WaitForEndAsync("direct", TimeSpan.FromMinutes(1));
        Assert.Equal("failed", job.Status);
        Assert.Contains("compiled without OpenImageDenoise", job.LastError, StringComparison.Ordinal);
        output.WriteLine(farm.Logs());
    }
}
