using System.IO.Compression;
using System.Security.Cryptography;
using Provisioner.Farm.Jobs;
using Provisioner.Tests.Support;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// Dataset generation (seed 002) end to end: real redis-server, worker processes and Debian's
/// Blender running tests/farm/generate_items.py, a plain Blender script that places random
/// objects by seed and renders them. Each task runs the script once for its items into
/// OUTPUT/batch_NNNN/ with its log as OUTPUT/batch_NNNN.log; the images are the same as the script
/// makes when run by hand with the same seeds, and differ between seeds; a script that fails or
/// writes less than it declared fails its task with the reason.
/// </summary>
[Collection("farm")]
public sealed class FarmGenerationTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    private static readonly string[] RgbOnly = ["rgb_*.png"];

    [Fact]
    public async Task AHundredItemsOverThreeWorkers_EveryBatchAndLogOnTheShare_SeedsReproducible_PrioritiesHonouredBesideARenderJob()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, null);
        var script = Path.Combine(farm.Directory.Path, "generate_items.py");
        File.Copy(Repo.Path("tests", "farm", "generate_items.py"), script);

        // Refused before anything is queued, with what to do.
        var noExpect = await CliRunner.RunAsync("farm", "submit", "--generate", script, "--count", "10", "--output", farm.Output, "--queue", farm.Redis.Url);
        Assert.Equal(1, noExpect.ExitCode);
        Assert.Contains("a generation job needs at least one expected output (--expect 'rgb_*.png')", noExpect.Stderr, StringComparison.Ordinal);
        var withFrames = await CliRunner.RunAsync("farm", "submit", "--generate", script, "--count", "10", "--frames", "1-10", "--expect", "rgb_*.png", "--queue", farm.Redis.Url);
        Assert.Equal(1, withFrames.ExitCode);
        Assert.Contains("--frames is for render jobs", withFrames.Stderr, StringComparison.Ordinal);
        var badPattern = await CliRunner.RunAsync("farm", "submit", "--generate", script, "--count", "10", "--expect", "../rgb_*.png", "--queue", farm.Redis.Url);
        Assert.Equal(1, badPattern.ExitCode);
        Assert.Contains("must be a file name with '*' or '?' wildcards", badPattern.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", noExpect.Stderr + withFrames.Stderr + badPattern.Stderr, StringComparison.Ordinal);
        Assert.Empty(await farm.Reader.JobsAsync(10, CancellationToken.None));

        // A mixed farm with one worker: a render job at normal priority and a generation job at
        // high (through the API), both queued before the worker starts. Every generation task goes first.
        await farm.SubmitAsync("render", scene.Path, "1-2", chunk: 1);
        var mixedOutput = Path.Combine(farm.Output, "mixed");
        using (var mixed = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", new
        {
            id = "mixed",
            output = mixedOutput,
            priority = "high",
            device = "CPU",
            generate = new { script, count = 20, per_task = 10, seed = 7, expect = RgbOnly },
        })))
        {
            Assert.True(mixed.IsSuccessStatusCode, await mixed.Content.ReadAsStringAsync());
        }

        Assert.Equal(2, (await farm.Reader.TasksAsync("mixed", CancellationToken.None)).Count);
        farm.StartWorker("w1");
        var generated = await farm.WaitForEndAsync("mixed", TimeSpan.FromMinutes(3));
        var rendered = await farm.WaitForEndAsync("render", TimeSpan.FromMinutes(3));
        Assert.True(generated.Status == "done" && rendered.Status == "done", generated.LastError + rendered.LastError + "\n" + farm.Logs());
        Assert.True(generated.Finished <= rendered.Started, $"the high-priority generation job finished at {generated.Finished}, the render job started at {rendered.Started}");

        // A hundred items over three workers, ten per task: ten batches, each whole with its log.
        farm.StartWorker("w2");
        farm.StartWorker("w3");
        var dataset = Path.Combine(farm.Output, "dataset");
        var submitted = await CliRunner.RunAsync("farm", "submit", "--generate", script, "--count", "100", "--per-task", "10", "--seed", "1000",
            "--expect", "rgb_*.png", "--expect", "meta_*.json", "--id", "dataset", "--output", dataset, "--queue", farm.Redis.Url);
        Assert.True(submitted.ExitCode == 0, submitted.Stderr);
        Assert.Contains("submitted dataset: 100 items from seed 1000 in 10 tasks of up to 10 items (--per-task)", submitted.Stdout, StringComparison.Ordinal);
        var job = await farm.WaitForEndAsync("dataset", TimeSpan.FromMinutes(5));
        Assert.True(job.Status == "done", job.LastError + "\n" + farm.Logs());
        Assert.Equal(100, job.FramesDone);
        var workers = (await farm.Reader.TasksAsync("dataset", CancellationToken.None)).Select(t => t.Worker).Distinct().Count();
        output.WriteLine($"the 10 tasks ran on {workers} workers");
        Assert.True(workers >= 2, "the tasks should have been shared between the workers");
        Assert.Equal(
            Enumerable.Range(0, 10).Select(b => $"batch_{b:0000}").Concat(Enumerable.Range(0, 10).Select(b => $"batch_{b:0000}.log")).Order(StringComparer.Ordinal),
            Directory.EnumerateFileSystemEntries(dataset).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var hashes = new Dictionary<int, string>();
        for (var batch = 0; batch < 10; batch++)
        {
            var folder = Path.Combine(dataset, $"batch_{batch:0000}");
            var seeds = Enumerable.Range(1000 + (batch * 10), 10).ToArray();
            Assert.Equal(
                seeds.SelectMany(s => new[] { $"meta_{s:000000}.json", $"rgb_{s:000000}.png" }).Order(StringComparer.Ordinal),
                Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var seed in seeds)
            {
                hashes[seed] = PixelHash(Path.Combine(folder, $"rgb_{seed:000000}.png"));
            }

            var log = await File.ReadAllTextAsync(Path.Combine(dataset, $"batch_{batch:0000}.log"));
            Assert.Contains($"items {batch * 10}-{(batch * 10) + 9}, seed {1000 + (batch * 10)}", log, StringComparison.Ordinal);
            Assert.Contains($"--seed {1000 + (batch * 10)} --count 10 --output", log, StringComparison.Ordinal);
            Assert.Contains("Blender quit", log, StringComparison.Ordinal);
            Assert.Contains("# exit 0", log, StringComparison.Ordinal);
        }

        // Different seeds make different images; the same seed makes the same one, here checked
        // against the script run by hand for three items in the middle of batch 3.
        Assert.Equal(100, hashes.Values.Distinct().Count());
        var byHand = Path.Combine(farm.Directory.Path, "by-hand");
        var run = ExternalTool.Run("blender", "--factory-startup", "-b", "--python-exit-code", "1", "--python", script, "--", "--seed", "1035", "--count", "3", "--output", byHand);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        foreach (var seed in new[] { 1035, 1036, 1037 })
        {
            Assert.Equal(hashes[seed], PixelHash(Path.Combine(byHand, $"rgb_{seed:000000}.png")));
        }

        // The high-priority job's batches came out the same way.
        Assert.Equal(10, Directory.EnumerateFiles(Path.Combine(mixedOutput, "batch_0001"), "rgb_*.png").Count());

        // The job in words: the CLI's status and the dashboard's job page.
        var status = await CliRunner.RunAsync("farm", "status", "dataset", "--queue", farm.Redis.Url);
        Assert.Contains($"script:   {script}, scene none (Blender's empty scene)", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("items:    100 from seed 1000, 10 per task (batch_NNNN); expects rgb_*.png, meta_*.json per item", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("progress: 100 items done, 0 failed, 0 to go of 100", status.Stdout, StringComparison.Ordinal);
        using (var browser = Browser.Start())
        {
            browser.Driver.Navigate().GoToUrl(service.Url + "#/jobs/dataset");
            await browser.WaitAsync(() => browser.Find("#generation"), TimeSpan.FromSeconds(20), "the generation job's page");
            Assert.Equal($"generation: 100 items from seed 1000 (item i: seed 1000 + i), 10 per task, script {script}; expects rgb_*.png, meta_*.json per item", browser.TextOf("#generation"));
            Assert.StartsWith("Items are written to batch_NNNN/ folders", browser.TextOf("#no-preview"), StringComparison.Ordinal);
            Assert.Contains("100 of 100 items", browser.TextOf(".cards"), StringComparison.Ordinal);
            browser.Screenshot(Path.Combine(Browser.Shots, "dashboard-generation-job.png"));
        }

        output.WriteLine(farm.Logs());
    }

    [Fact]
    public async Task AScriptThatFailsOrWritesLessThanItDeclaredFailsItsTask_WithTheReasonAndTheLogOnTheShare()
    {
        await using var farm = await FarmHarness.StartAsync();
        var failing = Path.Combine(farm.Directory.Path, "failing.py");
        await File.WriteAllTextAsync(failing, "raise RuntimeError('no assets found for this seed')\n");
        farm.StartWorker("w1");

        // The script raises: Blender would exit 0 without --python-exit-code; the task fails with the traceback's words.
        var failed = await SubmitAsync(farm, "raises", failing, ["rgb_*.png"]);
        Assert.Equal("failed", failed.Status);
        Assert.Contains("batch_0000:", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("log: " + Path.Combine(farm.Output, "raises", "batch_0000.log"), failed.LastError, StringComparison.Ordinal);
        Assert.Contains("no assets found for this seed", await File.ReadAllTextAsync(Path.Combine(farm.Output, "raises", "batch_0000.log")), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(farm.Output, "raises", "batch_0000")));

        // The script exits 0 having written less than declared: the count says so.
        var lazy = Path.Combine(farm.Directory.Path, "lazy.py");
        File.Copy(Repo.Path("tests", "farm", "generate_items.py"), lazy);
        var short1 = await SubmitAsync(farm, "short", lazy, ["rgb_*.png", "mask_*.png"]);
        Assert.Equal("failed", short1.Status);
        Assert.Contains("expected 2 files matching 'mask_*.png' (1 per item × 2 items), found 0", short1.LastError, StringComparison.Ordinal);

        // BlenderProc on a worker that has none: refused with what to set.
        var spec = new JobSpec
        {
            Id = "bproc",
            Frames = "0-1",
            Output = Path.Combine(farm.Output, "bproc"),
            Device = "CPU",
            MaxAttempts = 1,
            Generate = new GenerationSpec { Script = lazy, Count = 2, PerTask = 2, Expect = [new ExpectedOutput("rgb_*.png")], Blenderproc = true },
        };
        Assert.True(await farm.Queue.SubmitAsync(spec, [Provisioner.Farm.Frames.FrameList.Parse("0-1")], CancellationToken.None));
        var bproc = await farm.WaitForEndAsync("bproc", TimeSpan.FromMinutes(1));
        Assert.Equal("failed", bproc.Status);
        Assert.Contains("worker w1 has no BlenderProc (set worker.blenderproc in the inventory", bproc.LastError, StringComparison.Ordinal);
        output.WriteLine(farm.Logs());
    }

    private static async Task<Provisioner.Farm.Queue.JobStatus> SubmitAsync(FarmHarness farm, string id, string script, string[] expect)
    {
        var args = new List<string> { "farm", "submit", "--generate", script, "--count", "2", "--id", id, "--output", Path.Combine(farm.Output, id), "--max-attempts", "1", "--queue", farm.Redis.Url };
        args.AddRange(expect.SelectMany(e => new[] { "--expect", e }));
        var submitted = await CliRunner.RunAsync([.. args]);
        Assert.True(submitted.ExitCode == 0, submitted.Stderr);
        return await farm.WaitForEndAsync(id, TimeSpan.FromMinutes(2));
    }

    /// <summary>The image's pixels (its IDAT stream, inflated): Cycles stamps its render time into the PNG's text chunks, so file bytes differ between runs.</summary>
    private static string PixelHash(string png)
    {
        var data = File.ReadAllBytes(png);
        using var idat = new MemoryStream();
        for (var at = 8; at < data.Length;)
        {
            var length = (data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
            if (data.AsSpan(at + 4, 4).SequenceEqual("IDAT"u8))
            {
                idat.Write(data, at + 8, length);
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var inflate = new ZLibStream(idat, CompressionMode.Decompress);
        using var pixels = new MemoryStream();
        inflate.CopyTo(pixels);
        return Convert.ToHexStringLower(SHA256.HashData(pixels.ToArray()));
    }
}
