using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Service;
using Provisioner.Tests.Support;
using Provisioner.Worker.Generation;
using Provisioner.Worker.Rendering;

namespace Provisioner.Tests.Farm;

/// <summary>
/// Generation jobs (seed 002): the script contract on the command line, seeds and batch names,
/// the bounds a job is checked against, task sizes, and the output check on real files.
/// </summary>
public sealed class GenerationTests
{
    private static GenerationSpec Generation(Func<GenerationSpec, GenerationSpec>? with = null)
    {
        var spec = new GenerationSpec { Script = "/srv/share/gen.py", Count = 100, PerTask = 10, Seed = 42, Expect = [new ExpectedOutput("rgb_*.png")] };
        return with is null ? spec : with(spec);
    }

    private static JobSpec Job(GenerationSpec generation) =>
        new() { Id = "data", Generate = generation, Frames = generation.Items, Output = "/srv/share/data" };

    [Fact]
    public void PlainMode_RunsBlenderOnceWithTheFixedContractAfterTheSettings()
    {
        var command = new GenerationCommand("blender", null, "/w/cache/abc.blend", "/srv/share/gen.py", 1030, 10, "/w/t/batch_0003", "CPU", 8, 2, new RenderOptions(NoiseThreshold: 0.05));
        Assert.Equal(
            [
                "--factory-startup", "-b", "/w/cache/abc.blend", "-t", "2", "--python-exit-code", "1",
                "--python-expr", "import bpy; bpy.context.scene.cycles.samples = 8",
                "--python-expr", "import bpy; s = bpy.context.scene; s.cycles.use_adaptive_sampling = True; s.cycles.adaptive_threshold = 0.05",
                "--python", "/srv/share/gen.py",
                "--", "--seed", "1030", "--count", "10", "--output", "/w/t/batch_0003",
            ],
            command.Arguments());
        Assert.Equal("blender", command.Program);
    }

    [Fact]
    public void PlainMode_WithoutAScene_AndOnTheGpu_SetsTheDeviceInPythonNotAfterTheContract()
    {
        var args = new GenerationCommand("blender", null, null, "/s/gen.py", 0, 1, "/w/o", "OPTIX", null, null, RenderOptions.SceneDefaults).Arguments();
        Assert.Equal(["--factory-startup", "-b", "--python-exit-code", "1", "--python-expr"], args.Take(5));
        Assert.Contains("p.compute_device_type = 'OPTIX'", args[5], StringComparison.Ordinal);
        Assert.Contains("bpy.context.scene.cycles.device = 'GPU'", args[5], StringComparison.Ordinal);

        // No OptiX device: Blender stops with its own words instead of rendering on the CPU.
        Assert.Contains("raise SystemExit('Error: Found no Cycles device of the specified type (OPTIX)')", args[5], StringComparison.Ordinal);
        Assert.DoesNotContain("--cycles-device", args);
        Assert.Equal(["--", "--seed", "0", "--count", "1", "--output", "/w/o"], args.Skip(args.ToList().IndexOf("--")));
    }

    [Fact]
    public void BlenderprocMode_RunsBlenderprocWithTheWorkersBlenderAndTheSameArguments()
    {
        var command = new GenerationCommand("/opt/blender/blender", "/usr/local/bin/blenderproc", null, "/s/gen.py", 5, 3, "/w/o", "CUDA", null, null, RenderOptions.SceneDefaults);
        Assert.Equal("/usr/local/bin/blenderproc", command.Program);
        Assert.Equal(["run", "--custom-blender-path", "/opt/blender", "/s/gen.py", "--seed", "5", "--count", "3", "--output", "/w/o"], command.Arguments());
    }

    [Fact]
    public void SeedsAndBatches_FollowTheItems_NotTheWorkers()
    {
        var generation = Generation();
        Assert.Equal("0-99", generation.Items);
        Assert.Equal("0", Generation(g => g with { Count = 1, PerTask = 1 }).Items);
        Assert.Equal("batch_0000", generation.BatchName(0));
        Assert.Equal("batch_0009", generation.BatchName(90));
        Assert.Equal(42 + 90, generation.SeedFor(90));
        Assert.Equal(10, FrameList.Parse(generation.Items).Chunk(generation.PerTask).Count);
    }

    [Theory]
    [InlineData(1000, 4, 84)] // 12 tasks: three whole rounds over 4 workers, none over 100 items
    [InlineData(100, 3, 34)] // seed 002's split: one task per worker
    [InlineData(5, 8, 1)]
    [InlineData(10, 0, 10)] // no live worker known: one task, at most 100 items
    [InlineData(1000, 0, 100)]
    public void TaskSize_IsWholeRoundsOverTheLiveWorkers(int count, int workers, int expected)
    {
        var size = ChunkSizing.ForItems(count, workers);
        Assert.Equal(expected, size);
        var tasks = (count + size - 1) / size;
        Assert.True(size <= ChunkSizing.MaxItemsPerTask);
        Assert.True(workers == 0 || tasks % workers == 0 || tasks < workers, $"{tasks} tasks over {workers} workers");
    }

    [Theory]
    [InlineData("rgb_*.png", "rgb_*.png", 1)]
    [InlineData("depth_??.exr:2", "depth_??.exr", 2)]
    public void Expect_ReadsAPatternAndACountPerItem(string text, string pattern, int perItem)
    {
        var expected = ExpectedOutput.TryParse(text, out var error);
        Assert.Equal(new ExpectedOutput(pattern, perItem), expected);
        Assert.Equal("", error);
        Assert.Equal(text, expected!.ToString());
    }

    [Theory]
    [InlineData("../rgb_*.png", "must be a file name")]
    [InlineData("out/rgb_*.png", "must be a file name")]
    [InlineData("*", "must be a file name")]
    [InlineData("rgb_*.png:x", "write a file pattern and, optionally, how many per item")]
    [InlineData("rgb_*.png:0", "1 to 1000")]
    [InlineData("rgb_$(id).png", "must be a file name")]
    public void Expect_RefusesWhatIsNotAFileNamePattern(string text, string words)
    {
        Assert.Null(ExpectedOutput.TryParse(text, out var error));
        Assert.Contains(words, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Expect_MatchesWholeNamesOnly()
    {
        var rgb = new ExpectedOutput("rgb_*.png");
        Assert.True(rgb.Matches("rgb_000042.png"));
        Assert.False(rgb.Matches("rgb_000042.png.part"));
        Assert.False(rgb.Matches("xrgb_1.png"));
        Assert.True(new ExpectedOutput("m_??.json").Matches("m_07.json"));
        Assert.False(new ExpectedOutput("m_??.json").Matches("m_7.json"));
    }

    [Theory]
    [InlineData("relative/gen.py", null, null, "must be an absolute path to a .py file")]
    [InlineData(null, 0, null, "count 0 must be from 1 to 100000")]
    [InlineData(null, null, 101, "per_task 101 must be from 1 to the job's count (100)")]
    [InlineData(null, null, null, "seed 2147483600 must be from 0 to 2147483548")]
    public void Generation_Bounds(string? script, int? count, int? perTask, string words)
    {
        var spec = Generation(g => g with
        {
            Script = script ?? g.Script,
            Count = count ?? g.Count,
            PerTask = perTask ?? g.PerTask,
            Seed = script is null && count is null && perTask is null ? 2_147_483_600 : g.Seed,
        });
        Assert.Contains(words, JobValidation.Problem(Job(spec) with { Frames = spec.Count > 0 ? spec.Items : "0" }), StringComparison.Ordinal);
    }

    [Fact]
    public void AGenerationJob_NeedsExpectations_ItsItemsAsFrames_AndNoFrameFormat()
    {
        Assert.Null(JobValidation.Problem(Job(Generation())));
        Assert.Contains("needs at least one expected output", JobValidation.Problem(Job(Generation(g => g with { Expect = [] }))), StringComparison.Ordinal);
        Assert.Contains("frames of a generation job are its items, 0-99", JobValidation.Problem(Job(Generation()) with { Frames = "1-100" }), StringComparison.Ordinal);
        Assert.Contains("format is for render jobs", JobValidation.Problem(Job(Generation()) with { Format = FrameFormats.Png }), StringComparison.Ordinal);

        // A render job still needs its scene; a generation job may go without one.
        Assert.Contains("src: the scene is missing", JobValidation.Problem(new JobSpec { Id = "r", Frames = "1", Output = "/o" }), StringComparison.Ordinal);
        Assert.Contains("script '/etc/gen.py' is outside the directories", JobValidation.OutsideRoots(Job(Generation(g => g with { Script = "/etc/gen.py" })), ["/srv/share"]), StringComparison.Ordinal);
        Assert.Null(JobValidation.OutsideRoots(Job(Generation()), ["/srv/share"]));
    }

    [Fact]
    public void AGenerationJob_SurvivesTheQueuesJson()
    {
        var job = Job(Generation(g => g with { Expect = [new("rgb_*.png"), new("depth_*.exr", 2)], Blenderproc = true }));
        var json = job.ToJson();
        Assert.Contains("\"generate\":{\"script\":\"/srv/share/gen.py\",\"count\":100,\"per_task\":10,\"seed\":42,\"expect\":[{\"pattern\":\"rgb_*.png\",\"per_item\":1},{\"pattern\":\"depth_*.exr\",\"per_item\":2}],\"blenderproc\":true}", json, StringComparison.Ordinal);
        var back = JobSpec.TryParse(json, out var error);
        Assert.Equal("", error);
        Assert.Equal(job.Generate!.Expect, back!.Generate!.Expect);
        Assert.Equal(job with { Generate = null }, back with { Generate = null });
    }

    [Fact]
    public void TheApi_TakesAGenerationJob_WithTheCliWords()
    {
        var now = DateTimeOffset.Parse("2026-12-04T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var request = new SubmitRequest(null, null, null, null, "CPU", "/srv/share/out", null, null, null, null, null, null, null, null,
            Generate: new GenerateRequest("/srv/share/gen.py", 100, null, 7, ["rgb_*.png"], null));
        var (spec, tasks, error) = request.ToJob(now, liveWorkers: 3);
        Assert.Null(error);
        Assert.Equal("gen-20261204-100000", spec!.Id);
        Assert.Null(spec.Src);
        Assert.Equal(34, spec.Generate!.PerTask);
        Assert.Equal(3, tasks.Count);

        Assert.Contains("frames and chunk are for render jobs", (request with { Frames = "1-2" }).ToJob(now).Error, StringComparison.Ordinal);
        Assert.Equal("generate: count: a generation job needs the number of items to make (--count 1000)", (request with { Generate = request.Generate! with { Count = null } }).ToJob(now).Error);
        Assert.Contains("generate: expect pattern '/etc/x'", (request with { Generate = request.Generate! with { Expect = ["/etc/x"] } }).ToJob(now).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Outputs_EnoughOfEachAndEveryImageWhole()
    {
        using var directory = new TempDirectory();
        var png = File.ReadAllBytes(Repo.Path("docs", "images", "dashboard-exr-job.png"));
        Directory.CreateDirectory(Path.Combine(directory.Path, "sub"));
        File.WriteAllBytes(Path.Combine(directory.Path, "rgb_1.png"), png);
        File.WriteAllBytes(Path.Combine(directory.Path, "sub", "rgb_2.png"), png);
        File.WriteAllText(Path.Combine(directory.Path, "meta_1.json"), "{}");
        File.WriteAllText(Path.Combine(directory.Path, "meta_2.json"), "");
        ExpectedOutput[] rgb = [new("rgb_*.png")];

        Assert.Null(GenerationOutputs.Problem(directory.Path, rgb, 2));
        Assert.Equal("expected 3 files matching 'rgb_*.png' (1 per item × 3 items), found 2", GenerationOutputs.Problem(directory.Path, rgb, 3));
        Assert.Equal("meta_2.json: empty", GenerationOutputs.Problem(directory.Path, [new("meta_*.json")], 2));

        // An image cut short (a script killed mid-write, a full disk) fails the task.
        File.WriteAllBytes(Path.Combine(directory.Path, "sub", "rgb_2.png"), png[..(png.Length / 2)]);
        Assert.StartsWith("sub/rgb_2.png: ", GenerationOutputs.Problem(directory.Path, rgb, 2), StringComparison.Ordinal);
        Assert.StartsWith("expected 1 files matching", GenerationOutputs.Problem(Path.Combine(directory.Path, "none"), rgb, 1), StringComparison.Ordinal);
    }

    [Fact]
    public void Delivery_SwapsTheBatchInWhole_ReplacingAnEarlierAttemptsFiles()
    {
        using var directory = new TempDirectory();
        var share = Path.Combine(directory.Path, "share");
        var first = BatchDelivery.Prepare(share, "batch_0001", "w1.attempt-1");
        File.WriteAllText(Path.Combine(first, "stale.txt"), "from attempt 1");
        BatchDelivery.Publish(first, share, "batch_0001", "w1.attempt-1", CancellationToken.None);

        var second = BatchDelivery.Prepare(share, "batch_0001", "w2.attempt-2");
        Assert.Equal(Path.Combine(share, ".batch_0001.w2.attempt-2.new"), second);
        Directory.CreateDirectory(Path.Combine(second, "deep"));
        File.WriteAllText(Path.Combine(second, "deep", "new.txt"), "from attempt 2");
        var abandoned = BatchDelivery.Prepare(share, "batch_0001", "w3.attempt-3");
        File.WriteAllText(Path.Combine(abandoned, "half.txt"), "cut short");
        BatchDelivery.Publish(second, share, "batch_0001", "w2.attempt-2", CancellationToken.None);
        BatchDelivery.Discard(abandoned);

        Assert.Equal(["batch_0001"], Directory.EnumerateFileSystemEntries(share).Select(Path.GetFileName));
        Assert.Equal(["deep/new.txt"], Directory.EnumerateFiles(Path.Combine(share, "batch_0001"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(share, "batch_0001"), f)));
    }
}
