using System.Text.Json;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Worker.Rendering;

namespace Provisioner.Tests.Farm;

/// <summary>The seed's extra as Blender arguments: the allow-list, the refusals' reasons, and where each argument lands.</summary>
public sealed class BlenderArgumentsTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static JobSpec Job(string extra, string? engine = null) =>
        new() { Id = "j", Src = "/s.blend", Frames = "1-4", Output = "/o", Extra = Json(extra), Engine = engine };

    [Fact]
    public void Allowed_EachGoesWhereBlenderReadsIt()
    {
        var (arguments, problem) = BlenderArguments.Read(Json("""["--cycles-print-stats", "-S", "Shot B", "-Y", "--verbose", "2"]"""));

        Assert.Null(problem);
        Assert.Equal(["-Y", "--verbose", "2"], arguments!.Startup);
        Assert.Equal(["-S", "Shot B"], arguments.SceneChoice);
        Assert.Equal(["--cycles-print-stats"], arguments.Cycles);
    }

    [Fact]
    public void Command_StartupBeforeTheBlend_SceneRightAfter_CyclesAfterDoubleDash()
    {
        var (extra, _) = BlenderArguments.Read(Json("""["-S", "Wide", "--disable-autoexec", "--cycles-print-stats"]"""));
        var args = new BlenderCommand("blender", "/s.blend", "/o/f_####", FrameList.Parse("1-2"), "CPU", null, null, Extra: extra).Arguments();

        Assert.Equal(["-b", "--disable-autoexec", "/s.blend", "-S", "Wide", "--python-expr", MissingFiles.Check], args.Take(7));
        Assert.Equal(["--", "--cycles-device", "CPU", "--cycles-print-stats"], args.TakeLast(4));
    }

    [Theory]
    [InlineData("""{"shot": "sh010"}""")]
    [InlineData("null")]
    [InlineData("[]")]
    public void AnObjectNullOrEmptyList_PassesNothing(string extra)
    {
        Assert.Null(JobValidation.Problem(Job(extra)));
        Assert.True(BlenderArguments.Read(Json(extra)).Arguments!.IsEmpty);
    }

    [Theory]
    [InlineData("""["--python", "/tmp/x.py"]""", "extra: --python would run code on the worker that nobody reviewed")]
    [InlineData("""["--python-expr", "import os"]""", "extra: --python-expr would run code")]
    [InlineData("""["-y"]""", "extra: -y would run code")]
    [InlineData("""["-o", "/elsewhere/#"]""", "extra: -o is set by the worker from the job's output: set that instead")]
    [InlineData("""["-F", "TIFF"]""", "extra: -F is set by the worker from the job's format")]
    [InlineData("""["-f", "3"]""", "extra: -f is set by the worker from the job's frames")]
    [InlineData("""["--cycles-device", "CPU"]""", "extra: --cycles-device is set by the worker from the job's device")]
    [InlineData("""["-t", "64"]""", "extra: -t is the worker's to set (the worker sets Blender's threads from the VM's vCPUs)")]
    [InlineData("""["--", "--cycles-print-stats"]""", "extra: leave out '--'")]
    [InlineData("""["--wobble"]""", "extra: '--wobble' is not one of the Blender arguments a job may pass (-S, -Y, --factory-startup, -noaudio, --debug-cycles, --verbose, --cycles-print-stats;")]
    [InlineData("""["-S"]""", "extra: -S takes a scene name after it")]
    [InlineData("""["-S", "-Y"]""", "extra: -S takes a scene name after it, not '-Y'")]
    [InlineData("""["--verbose", "high"]""", "extra: --verbose takes a log level from 0 to 9 after it, not 'high'")]
    [InlineData("""["-Y", "--disable-autoexec"]""", "extra: --disable-autoexec is given twice")]
    [InlineData("""["-S", 3]""", "extra: every Blender argument is a string (write \"3\"), not a number")]
    [InlineData("\"-S Wide\"", "extra must be a list of Blender arguments")]
    [InlineData("""["-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y","-Y"]""", "extra holds 17 arguments: at most 16")]
    public void Refused_WithTheReason(string extra, string words) =>
        Assert.StartsWith(words, JobValidation.Problem(Job(extra)), StringComparison.Ordinal);

    [Fact]
    public void ACyclesOption_OnAnotherEngine_OrAnyArgumentOnAGenerationJob_IsRefused()
    {
        Assert.Equal("extra: --cycles-print-stats is a Cycles option and the job's engine is not Cycles: leave it out",
            JobValidation.Problem(Job("""["--cycles-print-stats"]""", Engines.Eevee)));
        Assert.Null(JobValidation.Problem(Job("""["-S", "Wide"]""", Engines.Eevee)));
        var generation = new GenerationSpec { Script = "/g.py", Count = 2, PerTask = 1, Expect = [new ExpectedOutput("rgb_*.png")] };
        Assert.Equal("extra: a generation job's script sets up its own render; Blender arguments are for render jobs",
            JobValidation.Problem(Job("""["-S", "Wide"]""") with { Src = null, Generate = generation, Frames = generation.Items }));
    }

    [Fact]
    public void AControlCharacterInAValue_IsRefused_AndNotEchoed()
    {
        var problem = JobValidation.Problem(Job("[\"-S\", \"a\\u001b[31mb\"]"));
        Assert.Equal("extra: -S takes a scene name after it, not an argument of 7 characters", problem);
    }
}
