using System.Globalization;
using System.Security.Cryptography;
using Provisioner.Farm.Queue;
using Provisioner.Worker.Rendering;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The render farm end to end with real parts: redis-server, the worker agent as separate
/// processes, Debian's Blender rendering a scene it generated itself.
/// </summary>
[Collection("farm")]
public sealed class FarmTests(FarmScene scene) : IClassFixture<FarmScene>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    private static string[] FrameNames(int first, int last) =>
        Enumerable.Range(first, last - first + 1).Select(f => "frame_" + f.ToString("D4", CultureInfo.InvariantCulture) + ".png").ToArray();

    [Fact]
    public async Task ThreeWorkers_ThirtyFramesInChunksOfFive_EveryFrameExactlyOnce()
    {
        await using var farm = await FarmHarness.StartAsync();
        var spec = await farm.SubmitAsync("thirty", scene.Path, "1-30", chunk: 5);
        foreach (var name in new[] { "w1", "w2", "w3" })
        {
            farm.StartWorker(name);
        }

        var job = await farm.WaitForEndAsync("thirty", JobTimeout);

        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal((30, 0, 6, 6), (job.FramesDone, job.FramesFailed, job.TasksDone, job.TasksTotal));
        Assert.Equal(FrameNames(1, 30), farm.OutputFiles());
        Assert.All(farm.OutputFiles(), f => Assert.Null(PngCheck.Problem(Path.Combine(farm.Output, f))));
        var frames = await farm.Reader.FramesAsync("thirty", CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 30), frames.Select(f => f.Frame));
        Assert.True(frames.Select(f => f.Worker).Distinct().Count() >= 2, "the work was not spread: " + string.Join(",", frames.Select(f => f.Worker)));
        Assert.All(frames, f => Assert.True(f.Render > TimeSpan.Zero, $"frame {f.Frame} has no time"));
        var tasks = await farm.Reader.TasksAsync("thirty", CancellationToken.None);
        Assert.All(tasks, t => Assert.Equal(("done", 1), (t.State, t.Attempts)));
        Assert.Equal("100", (string?)await farm.Database.HashGetAsync("job:thirty", "progress"));
        // A scene on a path the workers see (the share) renders in place: nothing copied.
        foreach (var worker in frames.Select(f => f.Worker).Distinct())
        {
            Assert.Empty(farm.CacheFiles(worker));
        }

        Assert.NotNull(spec.Sha256);
    }

    /// <summary>
    /// worker.processes_per_gpu: 2, as the VM's template unit starts them: the same name, the same
    /// work folder and PROVISION_WORKER_SLOT 1 and 2. They are two workers sharing the job, each
    /// with its own cache (the same scene fetched by both, never into the same partial file).
    /// </summary>
    [Fact]
    public async Task TwoProcessesOfOneVm_AreTwoWorkers_EachWithItsOwnCache_EveryFrameExactlyOnce()
    {
        await using var farm = await FarmHarness.StartAsync();
        // Served over HTTP, so each process fetches it into its own cache.
        using var http = await Support.LocalHttpServer.StartAsync(Path.GetDirectoryName(scene.Path)!);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(scene.Path)));
        var spec = await farm.SubmitAsync("shared", http.Url(Path.GetFileName(scene.Path)), "1-8", chunk: 1, sha256: sha);
        farm.StartWorker("vm0", new Dictionary<string, string> { ["PROVISION_WORKER_SLOT"] = "1" });
        farm.StartWorker("vm0", new Dictionary<string, string> { ["PROVISION_WORKER_SLOT"] = "2" });

        var job = await farm.WaitForEndAsync("shared", JobTimeout);

        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal(FrameNames(1, 8), farm.OutputFiles());
        var frames = await farm.Reader.FramesAsync("shared", CancellationToken.None);
        Assert.Equal(["vm0-1", "vm0-2"], frames.Select(f => f.Worker).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["vm0-1", "vm0-2"], (await farm.Database.SetMembersAsync(FarmKeys.Workers)).Select(w => w.ToString()).Order(StringComparer.Ordinal));
        foreach (var slot in new[] { "slot-1", "slot-2" })
        {
            Assert.Equal([spec.Sha256 + ".blend"], farm.CacheFiles(Path.Combine("vm0", slot)));
        }
    }

    /// <summary>
    /// A scene that names its texture by relative path (//textures/green.png): from its folder it
    /// renders in place with the texture (a pixel is green); copied away from it, the task fails
    /// with the missing path before any frame, where Blender alone renders magenta and succeeds.
    /// </summary>
    [Fact]
    public async Task TexturedScene_RendersInPlaceWithItsTexture_AndWithoutItFailsNamingTheFile()
    {
        using var folder = new Tests.Support.TempDirectory();
        var made = Tests.Support.ExternalTool.Run("blender", "-b", "--factory-startup", "--python", Tests.Support.Repo.Path("tests", "farm", "make_textured_scene.py"), "--", folder.Path);
        var textured = Path.Combine(folder.Path, "textured.blend");
        Assert.True(File.Exists(textured), made.ToString());
        var alone = Path.Combine(folder.Path, "alone", "textured.blend");
        Directory.CreateDirectory(Path.GetDirectoryName(alone)!);
        File.Copy(textured, alone);
        await using var farm = await FarmHarness.StartAsync();
        await farm.SubmitAsync("inplace", textured, "1-2", chunk: 2);
        await farm.SubmitAsync("lost", alone, "1", chunk: 1, maxAttempts: 1);
        farm.StartWorker("w1");

        var done = await farm.WaitForEndAsync("inplace", JobTimeout);
        var lost = await farm.WaitForEndAsync("lost", JobTimeout);

        Assert.True(done.Status == "done", done.Error + "\n" + farm.Logs());
        var pixel = Support.FramePixels.Center(Path.Combine(farm.Output, "frame_0001.png"));
        Assert.True(Support.FramePixels.IsTextureGreen(pixel), $"frame_0001.png's centre is {pixel}, not the texture's green (magenta: Blender had no texture)");
        Assert.Equal("failed", lost.Status);
        var tasks = await farm.Reader.TasksAsync("lost", CancellationToken.None);
        var error = Assert.Single(tasks).LastError;
        Assert.Contains($"the scene needs 1 file(s) this worker cannot open: {Path.Combine(folder.Path, "alone", "textures", "green.png")}. Nothing was rendered", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerKilledMidChunk_ItsChunkIsRequeuedAfterTheLeaseAndFinishedByAnother()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.SubmitAsync("killed", scene.Path, "1-10", chunk: 10);
        var doomed = farm.StartWorker("doomed");
        await farm.WaitUntilAsync(async () => await farm.Database.ListLengthAsync(FarmKeys.WorkerTasks("doomed")) == 1, TimeSpan.FromSeconds(60), "the first worker holds the task");
        // Let Blender get going (some frames are in its task directory, none delivered), then pull the plug.
        await Task.Delay(1500);
        doomed.Kill();
        Assert.Empty(farm.OutputFiles());

        var rescuer = farm.StartWorker("rescuer");
        var job = await farm.WaitForEndAsync("killed", JobTimeout);

        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal(FrameNames(1, 10), farm.OutputFiles());
        var frames = await farm.Reader.FramesAsync("killed", CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 10), frames.Select(f => f.Frame));
        Assert.All(frames, f => Assert.Equal("rescuer", f.Worker));
        var task = Assert.Single(await farm.Reader.TasksAsync("killed", CancellationToken.None));
        Assert.Equal(("done", 2), (task.State, task.Attempts));
        Assert.Contains("lease expired: worker doomed", job.LastError, StringComparison.Ordinal);
        Assert.Equal(0, await farm.Database.ListLengthAsync(FarmKeys.WorkerTasks("doomed")));
        Assert.Contains("requeued 1 task", rescuer.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptBlend_BlendersErrorInTheJobAndTheJobFailsAfterMaxAttempts()
    {
        await using var farm = await FarmHarness.StartAsync();
        var corrupt = Path.Combine(farm.Directory.Path, "corrupt.blend");
        await File.WriteAllBytesAsync(corrupt, RandomNumberGenerator.GetBytes(4096));
        await farm.SubmitAsync("corrupt", corrupt, "1-4", chunk: 2, maxAttempts: 2);
        farm.StartWorker("w1");

        var job = await farm.WaitForEndAsync("corrupt", JobTimeout);

        Assert.Equal("failed", job.Status);
        Assert.Contains("failed 2 times", job.Error, StringComparison.Ordinal);
        Assert.Contains("Blender: Error: File format is not supported", job.Error, StringComparison.Ordinal);
        Assert.Equal("failed", (string?)await farm.Database.HashGetAsync("job:corrupt", "status"));
        Assert.Empty(farm.OutputFiles());
    }

    [Fact]
    public async Task TaskOverItsTimeout_BlenderIsStoppedAndTheAttemptFailsSayingSo()
    {
        await using var farm = await FarmHarness.StartAsync();
        var spec = new Provisioner.Farm.Jobs.JobSpec
        {
            Id = "slow",
            Src = scene.Make("slow.blend", 640, 480, 100_000),
            Frames = "1-3",
            Output = farm.Output,
            Device = "CPU",
            MaxAttempts = 1,
            TaskTimeoutSeconds = 10,
        };
        Assert.True(await farm.Queue.SubmitAsync(spec, Provisioner.Farm.Frames.FrameList.Parse("1-3").Chunk(3), CancellationToken.None));
        farm.StartWorker("w1");

        var job = await farm.WaitForEndAsync("slow", TimeSpan.FromMinutes(2));

        Assert.Equal("failed", job.Status);
        Assert.Contains("timed out after 10 s (task_timeout_seconds)", job.Error, StringComparison.Ordinal);
        Assert.Empty(farm.OutputFiles());
        Assert.DoesNotContain(System.Diagnostics.Process.GetProcessesByName("blender"), p => !p.HasExited && IsOurs(p, farm));
    }

    private static bool IsOurs(System.Diagnostics.Process process, FarmHarness farm)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline").Contains(farm.Directory.Path, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task RedisRestartedMidJob_TheJobCompletes()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.SubmitAsync("restart", scene.Path, "1-24", chunk: 3);
        farm.StartWorker("w1");
        farm.StartWorker("w2");
        await farm.WaitUntilAsync(async () => (await farm.Reader.JobAsync("restart", CancellationToken.None))!.TasksDone >= 1, TimeSpan.FromSeconds(90), "a first task is done");

        await farm.Redis.KillAsync();
        await Task.Delay(2000);
        await farm.Redis.StartAgainAsync();
        var job = await farm.WaitForEndAsync("restart", JobTimeout);

        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal(FrameNames(1, 24), farm.OutputFiles());
        Assert.Equal(24, (await farm.Reader.FramesAsync("restart", CancellationToken.None)).Count);
        Assert.Equal((24, 8), (job.FramesDone, job.TasksDone));
    }
}

[CollectionDefinition("farm")]
public sealed class FarmCollection;
