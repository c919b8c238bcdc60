using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;

namespace Provisioner.Tests.Farm;

/// <summary>
/// A job's render settings: their bounds, how Blender gets them, the frame checks of each format
/// (on frames Debian's Blender 3.4 wrote, in tests/farm/frames), and the refusal of what a
/// worker's Blender lacks.
/// </summary>
public sealed class RenderSettingsTests
{
    /// <summary>Debian's Blender 3.4.1 as the worker's probe finds it: no OpenImageDenoise, no OptiX card.</summary>
    private static readonly BlenderFeatures Debian = new("3.4.1", [Denoisers.None], [FrameFormats.Png, FrameFormats.OpenExr, FrameFormats.Jpeg]);

    private static JobSpec Job(Func<JobSpec, JobSpec>? with = null)
    {
        var job = new JobSpec { Id = "shot", Src = "/srv/scenes/shot.blend", Frames = "1-4", Output = "/srv/frames/shot" };
        return with is null ? job : with(job);
    }

    [Fact]
    public void Command_SettingsBecomeTheFormatFlagAndOneTypedPythonStatementBeforeTheFrames()
    {
        var settings = new RenderOptions(NoiseThreshold: 0.005, Denoiser: Denoisers.Optix, Format: FrameFormats.OpenExr, ResolutionX: 1920, ResolutionY: 1080, Percentage: 50, PersistentData: true);
        var args = new BlenderCommand("blender", "/c/s.blend", "/w/f_####", FrameList.Parse("1-4"), "CPU", null, null, settings).Arguments().ToList();

        Assert.Equal("OPEN_EXR", args[args.IndexOf("-F") + 1]);
        // The first expression is the missing-files check; the settings are the one after it.
        var expression = args[args.LastIndexOf("--python-expr") + 1];
        Assert.Equal(
            "import bpy; s = bpy.context.scene; s.cycles.use_adaptive_sampling = True; s.cycles.adaptive_threshold = 0.005; s.cycles.use_denoising = True; "
            + "s.cycles.denoiser = 'OPTIX'; s.render.resolution_x = 1920; s.render.resolution_y = 1080; s.render.resolution_percentage = 50; s.render.use_persistent_data = True",
            expression);
        Assert.True(args.LastIndexOf("--python-expr") < args.IndexOf("-a"));
    }

    [Fact]
    public void Command_DenoiserNoneTurnsDenoisingOff_NoSettingsAddNoExpression()
    {
        var off = new BlenderCommand("blender", "/s.blend", "/w/f_#", FrameList.Parse("1"), "CPU", null, null, new RenderOptions(Denoiser: Denoisers.None)).Arguments();
        Assert.Contains("import bpy; s = bpy.context.scene; s.cycles.use_denoising = False", off);
        Assert.DoesNotContain(off, a => a.Contains("denoiser =", StringComparison.Ordinal));

        var none = new BlenderCommand("blender", "/s.blend", "/w/f_#", FrameList.Parse("1"), "CPU", null, null, RenderOptions.From(Job())).Arguments();
        Assert.Equal(1, none.Count(a => a == "--python-expr")); // the missing-files check only
        Assert.Equal("PNG", none[none.ToList().IndexOf("-F") + 1]);
    }

    [Theory]
    [InlineData(null, "beauty_0007.png")]
    [InlineData("OPEN_EXR", "beauty_0007.exr")]
    [InlineData("JPEG", "beauty_0007.jpg")]
    public void OutputPattern_NamesEachFormatsFileAsBlenderDoes(string? format, string name) =>
        Assert.Equal(name, OutputPattern.FromJobOutput("/srv/frames/beauty_####").FileName(7, format));

    [Theory]
    [InlineData(0.0, "noise_threshold 0 must be above 0 and at most 1")]
    [InlineData(1.5, "noise_threshold 1.5 must be above 0 and at most 1")]
    [InlineData(double.NaN, "noise_threshold NaN must be above 0")]
    public void Validation_RefusesANoiseThresholdOutOfBounds(double threshold, string message) =>
        Assert.StartsWith(message, JobValidation.Problem(Job(j => j with { NoiseThreshold = threshold })));

    [Fact]
    public void Validation_RefusesUnknownNamesHalfAResolutionAndAPercentageOutOfBounds()
    {
        Assert.Equal("denoiser 'oidn' must be one of openimagedenoise, optix, none", JobValidation.Problem(Job(j => j with { Denoiser = "oidn" })));
        Assert.Equal("format 'TIFF' must be one of PNG, OPEN_EXR, JPEG", JobValidation.Problem(Job(j => j with { Format = "TIFF" })));
        Assert.StartsWith("resolution needs both", JobValidation.Problem(Job(j => j with { ResolutionX = 640 })));
        Assert.StartsWith("resolution 2x480 must be from 4 to 65536", JobValidation.Problem(Job(j => j with { ResolutionX = 2, ResolutionY = 480 })));
        Assert.Equal("percentage 0 must be from 1 to 1000", JobValidation.Problem(Job(j => j with { Percentage = 0 })));
        Assert.Null(JobValidation.Problem(Job(j => j with { NoiseThreshold = 1, Denoiser = "none", Format = "JPEG", ResolutionX = 4, ResolutionY = 65536, Percentage = 1000, PersistentData = false })));
    }

    [Theory]
    [InlineData("1920x1080", 1920, 1080)]
    [InlineData("64X48", 64, 48)]
    public void Resolution_ReadsWidthByHeight(string text, int width, int height) =>
        Assert.Equal((width, height), Resolution.TryParse(text, out _));

    [Theory]
    [InlineData("1920")]
    [InlineData("1920x")]
    [InlineData("-4x4")]
    [InlineData("1920x1080x2")]
    public void Resolution_RefusesWhatIsNotWidthByHeight(string text)
    {
        Assert.Null(Resolution.TryParse(text, out var error));
        Assert.Contains("must be WIDTHxHEIGHT in pixels", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_DebiansBlenderRefusesOpenImageDenoiseAndOptixWithTheReason_TakesNone()
    {
        var oidn = Debian.Problem(Job(j => j with { Denoiser = Denoisers.OpenImageDenoise }), "worker w1");
        Assert.Equal("denoiser openimagedenoise: worker w1's Blender 3.4.1 does not offer it (that build of Blender was compiled without OpenImageDenoise); it offers no denoiser: choose one of those or none", oidn);
        Assert.Contains("OptiX denoising needs an NVIDIA card", Debian.Problem(Job(j => j with { Denoiser = Denoisers.Optix }), "worker w1"), StringComparison.Ordinal);
        Assert.Null(Debian.Problem(Job(j => j with { Denoiser = Denoisers.None, Format = FrameFormats.OpenExr }), "worker w1"));
        var old = Debian with { Formats = [FrameFormats.Png] };
        Assert.Equal("format JPEG: worker w1's Blender 3.4.1 cannot write it (it writes PNG)", old.Problem(Job(j => j with { Format = FrameFormats.Jpeg }), "worker w1"));
    }

    [Fact]
    public void Features_RoundTripThroughTheWorkersFields_AnOlderAgentHasNone()
    {
        var fields = Debian.Fields().ToDictionary(f => f.Name, f => f.Value);
        Assert.All(fields.Keys, name => Assert.Contains(name, WorkerField.Names));
        var back = BlenderFeatures.FromFields(name => fields.GetValueOrDefault(name, ""));
        Assert.Equal(Debian.Version, back!.Version);
        Assert.Equal(Debian.Denoisers, back.Denoisers);
        Assert.Equal(Debian.Formats, back.Formats);
        Assert.Null(BlenderFeatures.FromFields(_ => ""));
    }

    [Fact]
    public void Feasibility_ALiveWorkerThatLacksItRefuses_ALostOneOrOneThatNeverSaidDoesNot()
    {
        var now = DateTimeOffset.Parse("2026-12-04T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        WorkerStatus Worker(string name, TimeSpan silent, BlenderFeatures? blender) =>
            new(name, "idle", now - silent, "", null, "", "vm", 0, "", false) { Blender = blender };
        var job = Job(j => j with { Denoiser = Denoisers.OpenImageDenoise });
        var withOidn = Debian with { Denoisers = [Denoisers.OpenImageDenoise, Denoisers.None] };

        Assert.True(JobFeasibility.NeedsWorkers(job));
        Assert.False(JobFeasibility.NeedsWorkers(Job(j => j with { Denoiser = Denoisers.None, Samples = 64 })));
        Assert.Null(JobFeasibility.Problem(job, [Worker("a", TimeSpan.FromSeconds(2), withOidn), Worker("old", TimeSpan.FromSeconds(2), null), Worker("gone", TimeSpan.FromHours(1), Debian)], now, WorkerStatus.SilentAfter));
        Assert.StartsWith("denoiser openimagedenoise: worker b's Blender 3.4.1 does not offer it",
            JobFeasibility.Problem(job, [Worker("a", TimeSpan.FromSeconds(2), withOidn), Worker("b", TimeSpan.FromSeconds(5), Debian)], now, WorkerStatus.SilentAfter));
    }

    [Fact]
    public void Probe_ReadsItsLineAmongBlendersOutput_AMissingOrBrokenLineIsNoAnswer()
    {
        var output = "Blender 3.4.1\nRead prefs: /root/.config\nPROVISION-BLENDER-FEATURES {\"version\": \"3.4.1\", \"denoisers\": [\"none\"], \"formats\": [\"PNG\", \"OPEN_EXR\", \"JPEG\"]}\r\n\nBlender quit\n";
        var features = BlenderProbe.Parse(output)!;
        Assert.Equal("3.4.1", features.Version);
        Assert.Equal(["none"], features.Denoisers);
        Assert.Equal(["PNG", "OPEN_EXR", "JPEG"], features.Formats);
        Assert.Null(BlenderProbe.Parse("Blender 3.4.1\nError: Python: Traceback\nBlender quit\n"));
        Assert.Null(BlenderProbe.Parse("PROVISION-BLENDER-FEATURES {\"version\": \"3.4.1\", \"denoisers\": [\"none\"]\n"));
        Assert.Null(BlenderProbe.Parse("PROVISION-BLENDER-FEATURES {\"denoisers\": [], \"formats\": []}\n"));
    }

    [Theory]
    [InlineData("blender-3.4-32x24.exr", 32, 24)]
    [InlineData("blender-3.4-80x100-zip.exr", 80, 100)]
    public void Exr_BlendersFramesPassWithTheirSize_EveryCutShortOneFails(string name, int width, int height)
    {
        var data = File.ReadAllBytes(Repo.Path("tests", "farm", "frames", name));
        Assert.Equal((null, width, height), ExrCheck.Inspect(data));
        Assert.Null(FrameCheck.Problem(Repo.Path("tests", "farm", "frames", name), FrameFormats.OpenExr));
        foreach (var length in new[] { 4, 20, data.Length / 3, data.Length / 2, data.Length - 40, data.Length - 1 })
        {
            var problem = ExrCheck.Inspect(data.AsSpan(0, length)).Problem;
            Assert.True(problem is not null, $"{name} cut to {length} of {data.Length} bytes passed");
        }

        var png = File.ReadAllBytes(Repo.Path("tests", "farm", "frames", "blender-3.4-32x24.jpg"));
        Assert.Equal("not an OpenEXR file (bad magic number)", ExrCheck.Inspect(png).Problem);
    }

    [Fact]
    public void Jpeg_BlendersFramePassesWithItsSize_ACutShortOneFails()
    {
        var path = Repo.Path("tests", "farm", "frames", "blender-3.4-32x24.jpg");
        var data = File.ReadAllBytes(path);
        Assert.Equal((null, 32, 24), JpegCheck.Inspect(data));
        Assert.Null(FrameCheck.Problem(path, FrameFormats.Jpeg));
        Assert.Equal("truncated: no end-of-image marker (the file was cut short)", JpegCheck.Inspect(data.AsSpan(0, data.Length - 100)).Problem);
        Assert.StartsWith("truncated", JpegCheck.Inspect(data.AsSpan(0, 30)).Problem, StringComparison.Ordinal);
        Assert.Equal("not a JPEG (no start-of-image marker)", JpegCheck.Inspect(File.ReadAllBytes(Repo.Path("tests", "farm", "frames", "blender-3.4-32x24.exr"))).Problem);
        // The format decides the check: a JPEG is not a whole PNG.
        Assert.Equal("not a PNG (bad signature)", FrameCheck.Problem(path, null));
    }
}
