using System.Text.Json;
using Provisioner.Farm.Queue;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>`provision farm …` against a real Redis named by an inventory, with a real worker and Blender.</summary>
[Collection("farm")]
public sealed class FarmCliTests(FarmScene scene) : IClassFixture<FarmScene>
{
    /// <summary>The example inventory with its queue pointed at the test's Redis (and no password: the test Redis has none).</summary>
    private static string Inventory(FarmHarness farm)
    {
        var text = File.ReadAllText(Repo.Path("inventories", "example.yaml"))
            .Replace("redis://10.20.0.5:6379/0", farm.Redis.Url, StringComparison.Ordinal)
            .Replace("      queue_password: ${env:RENDER_QUEUE_PASSWORD}\n", "", StringComparison.Ordinal);
        return farm.Directory.File("inventory.yaml", text);
    }

    [Fact]
    public async Task SubmitCancelRetryStatusWorkers_ThroughTheInventorysQueue()
    {
        await using var farm = await FarmHarness.StartAsync();
        var inventory = Inventory(farm);

        var empty = await CliRunner.RunAsync("farm", "status", "-I", inventory);
        Assert.True(empty.ExitCode == 0, empty.Stderr);
        Assert.Contains("no jobs", empty.Stdout, StringComparison.Ordinal);

        var backwards = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", "9-1", "-I", inventory);
        Assert.Equal(1, backwards.ExitCode);
        Assert.Contains("range '9-1' runs backwards: write 1-9", backwards.Stderr, StringComparison.Ordinal);

        var submit = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", "1-4,7", "--chunk", "2", "--device", "cpu", "--id", "cli", "--output", farm.Output, "-I", inventory);
        Assert.True(submit.ExitCode == 0, submit.Stderr);
        Assert.Contains("submitted cli: 5 frames (1-4,7) in 3 tasks of up to 2 frames", submit.Stdout, StringComparison.Ordinal);
        var again = await CliRunner.RunAsync("farm", "submit", scene.Path, "--frames", "1", "--id", "cli", "--output", farm.Output, "-I", inventory);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("a job 'cli' exists already", again.Stderr, StringComparison.Ordinal);

        // Cancelled before any worker runs: the worker drops its tasks instead of rendering them.
        var cancel = await CliRunner.RunAsync("farm", "cancel", "cli", "-I", inventory);
        Assert.True(cancel.ExitCode == 0, cancel.Stderr);
        farm.StartWorker("w1");
        await farm.WaitUntilAsync(async () => await farm.Database.ListLengthAsync(FarmKeys.Queue(Provisioner.Farm.Jobs.Priority.Normal, Provisioner.Farm.Jobs.JobSpec.DefaultPool)) == 0, TimeSpan.FromSeconds(60), "the worker drained the queue");
        Assert.Empty(farm.OutputFiles());
        Assert.Equal("cancelled", (await farm.Reader.JobAsync("cli", CancellationToken.None))!.Status);

        var retry = await CliRunner.RunAsync("farm", "retry", "cli", "-I", inventory);
        Assert.True(retry.ExitCode == 0, retry.Stderr);
        Assert.Contains("3 task(s) queued again", retry.Stdout, StringComparison.Ordinal);
        var job = await farm.WaitForEndAsync("cli", TimeSpan.FromMinutes(3));
        Assert.True(job.Status == "done", job.Error + farm.Logs());
        Assert.Equal(["frame_0001.png", "frame_0002.png", "frame_0003.png", "frame_0004.png", "frame_0007.png"], farm.OutputFiles());

        var status = await CliRunner.RunAsync("farm", "status", "cli", "--frames", "-I", inventory);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("cli: done", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("[####################] 100%", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("5 done, 0 failed, 0 to go of 5", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("per frame: mean", status.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\n\s*7\s+\d+\.\d\d s\s+w1", status.Stdout);

        var json = await CliRunner.RunAsync("farm", "status", "cli", "--json", "-I", inventory);
        using var document = JsonDocument.Parse(json.Stdout);
        var root = document.RootElement.GetProperty("job");
        Assert.Equal("done", root.GetProperty("status").GetString());
        Assert.Equal(5, root.GetProperty("frames").GetArrayLength());
        Assert.Equal("1-4,7", root.GetProperty("spec").GetProperty("frames").GetString());

        var workers = await CliRunner.RunAsync("farm", "workers", "-I", inventory);
        Assert.True(workers.ExitCode == 0, workers.Stderr);
        Assert.Matches(@"w1\s+idle\s+\d+s ago\s+-\s+-\s+CPU", workers.Stdout);

        var list = await CliRunner.RunAsync("farm", "status", "-I", inventory);
        Assert.Matches(@"cli\s+done\s+normal\s+\[####################\] 100%\s+5/5", list.Stdout);
    }

    [Fact]
    public async Task QueueNotAnswering_ClearErrorNamingTheAddress()
    {
        await using var farm = await FarmHarness.StartAsync();
        var inventory = Inventory(farm);
        await farm.Redis.KillAsync();

        var result = await CliRunner.RunAsync("farm", "workers", "-I", inventory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"the queue at {farm.Redis.Url} does not answer", result.Stderr, StringComparison.Ordinal);
        await farm.Redis.StartAgainAsync();
    }

    [Fact]
    public async Task SeedClientJob_PushedOntoQueueBlender_IsRenderedAndItsStatusHashReadable()
    {
        await using var farm = await FarmHarness.StartAsync();
        var seedJob = JsonSerializer.Serialize(new
        {
            id = "seed-1",
            src = scene.Path,
            frames = "1-4",
            samples = 8,
            device = "CPU",
            output = farm.Output,
            extra = new { shot = "sh010" },
        });
        await farm.Database.ListLeftPushAsync("queue:blender", seedJob);
        farm.StartWorker("w1");

        var job = await farm.WaitForEndAsync("seed-1", TimeSpan.FromMinutes(3));

        Assert.True(job.Status == "done", job.Error + farm.Logs());
        Assert.Equal(["frame_0001.png", "frame_0002.png", "frame_0003.png", "frame_0004.png"], farm.OutputFiles());
        var hash = (await farm.Database.HashGetAllAsync("job:seed-1")).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal(("done", "100", "1-4"), (hash["status"], hash["progress"], hash["frames"]));
        Assert.Equal(0, await farm.Database.ListLengthAsync("queue:blender"));
        Assert.Equal("sh010", JsonDocument.Parse(hash["spec"]).RootElement.GetProperty("extra").GetProperty("shot").GetString());
    }

    private static readonly string[] WideArguments = ["-S", "Wide", "--cycles-print-stats", "-Y"];
    private static readonly string[] CodeArguments = ["--python-expr", "import os; os.system('touch /tmp/owned')"];

    /// <summary>
    /// The seed's extra as Blender arguments, through the seed's own list: -S picks the .blend's
    /// second scene (its own resolution shows in the frames), and code is refused with the reason.
    /// </summary>
    [Fact]
    public async Task SeedClientJob_ExtraBlenderArguments_AreHonouredFromTheAllowList_CodeIsRefused()
    {
        await using var farm = await FarmHarness.StartAsync();
        var twoScenes = Path.Combine(farm.Directory.Path, "two-scenes.blend");
        ExternalTool.Run("blender", "-b", scene.Path, "--python-expr",
            "import bpy; w = bpy.data.scenes['Scene'].copy(); w.name = 'Wide'; w.use_fake_user = True; w.render.resolution_x = 96; w.render.resolution_y = 40; "
            + $"bpy.ops.wm.save_as_mainfile(filepath='{twoScenes}')");
        Assert.True(File.Exists(twoScenes));
        string Seed(string id, object extra) => JsonSerializer.Serialize(new { id, src = twoScenes, frames = "1-2", samples = 4, device = "CPU", output = Path.Combine(farm.Output, id), extra });
        await farm.Database.ListLeftPushAsync("queue:blender", Seed("wide", WideArguments));
        await farm.Database.ListLeftPushAsync("queue:blender", Seed("evil", CodeArguments));
        farm.StartWorker("w1");

        var wide = await farm.WaitForEndAsync("wide", TimeSpan.FromMinutes(3));
        var evil = await farm.WaitForEndAsync("evil", TimeSpan.FromMinutes(1));

        Assert.True(wide.Status == "done", wide.Error + farm.Logs());
        foreach (var frame in new[] { "frame_0001.png", "frame_0002.png" })
        {
            var header = File.ReadAllBytes(Path.Combine(farm.Output, "wide", frame))[16..24];
            Assert.Equal((96, 40), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4))));
        }

        Assert.Equal("failed", evil.Status);
        Assert.Contains("extra: --python-expr would run code on the worker that nobody reviewed", evil.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(farm.Output, "evil")));
    }

    [Fact]
    public async Task GpuTaskOnAWorkerThatSeesTwoGpus_RefusedWithTheReasonNotRenderedOnCpu()
    {
        await using var farm = await FarmHarness.StartAsync();
        // nvidia-smi cannot exist here; this stand-in prints what the real one prints for a VM holding two cards.
        var smi = farm.Directory.File("nvidia-smi", "#!/bin/sh\necho 'GPU 0: NVIDIA RTX A5000 (UUID: GPU-1)'\necho 'GPU 1: NVIDIA RTX A5000 (UUID: GPU-2)'\n");
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var spec = new Provisioner.Farm.Jobs.JobSpec { Id = "gpu", Src = scene.Path, Frames = "1-2", Output = farm.Output, Device = "OPTIX", MaxAttempts = 1 };
        Assert.True(await farm.Queue.SubmitAsync(spec, Provisioner.Farm.Frames.FrameList.Parse("1-2").Chunk(2), CancellationToken.None));
        farm.StartWorker("w1", new Dictionary<string, string> { ["PROVISION_NVIDIA_SMI"] = smi, ["PROVISION_RENDER_DEVICE"] = "OPTIX" });

        var job = await farm.WaitForEndAsync("gpu", TimeSpan.FromMinutes(2));

        Assert.Equal("failed", job.Status);
        Assert.Contains("OPTIX task refused: this VM sees 2 GPUs, it must see exactly one", job.Error, StringComparison.Ordinal);
        Assert.Empty(farm.OutputFiles());
    }
}
