using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Worker.Rendering;

namespace Provisioner.Tests.Farm;

/// <summary>
/// Render engines and the OpenGL they need: the ids each Blender takes, Blender's command line per
/// engine, the settings that belong to Cycles alone, and the GL check (seed 003's trap) on the
/// readings real Blenders give.
/// </summary>
public sealed class EngineTests
{
    // What Debian's Blender 3.4.1 printed for the probe under xvfb-run (and without a display: surfaceless EGL).
    private const string Llvmpipe = """
        EGL Error (0x3001): EGL_NOT_INITIALIZED: EGL is not initialized, or could not be initialized, for the specified EGL display connection.
        Managed to successfully fallback to surfaceless EGL rendering!
        PROVISION-GL {"renderer": "llvmpipe (LLVM 15.0.6, 256 bits)", "vendor": "Mesa/X.org", "version": "4.5 (Core Profile) Mesa 22.3.6", "device_type": "SOFTWARE"}
        Blender quit
        """;

    private static readonly GlReading Nvidia = new("NVIDIA A100-PCIE-40GB/PCIe/SSE2", "NVIDIA Corporation", "4.6.0 NVIDIA 535.183.01", "NVIDIA");

    private static BlenderFeatures Blender(params string[] engines) => new("3.4.1", [Denoisers.None], [FrameFormats.Png], engines);

    [Fact]
    public void EeveesId_IsWhicheverTheWorkersBlenderTakes()
    {
        Assert.Equal("BLENDER_EEVEE", Blender("BLENDER_EEVEE", "BLENDER_WORKBENCH", "CYCLES").EngineId(Engines.Eevee));
        Assert.Equal("BLENDER_EEVEE_NEXT", Blender("BLENDER_EEVEE_NEXT", "BLENDER_WORKBENCH", "CYCLES").EngineId(Engines.Eevee));
        Assert.Equal("CYCLES", Blender().EngineId(Engines.Cycles));
        Assert.Null(Blender("CYCLES").EngineId(Engines.Workbench));
    }

    [Fact]
    public void AnEngineTheBlenderLacks_IsRefusedWithWhatItHas()
    {
        var job = new JobSpec { Id = "j", Src = "/s.blend", Frames = "1", Output = "/o", Engine = Engines.Eevee };
        Assert.Equal("engine EEVEE: worker w1's Blender 3.4.1 has none of its ids (BLENDER_EEVEE_NEXT, BLENDER_EEVEE); it has CYCLES",
            Blender("CYCLES").Problem(job, "worker w1"));
        Assert.Contains("did not report which engines", new BlenderFeatures("3.4.1", [], []).Problem(job, "worker w1"), StringComparison.Ordinal);
        Assert.True(JobFeasibility.NeedsWorkers(job));
        Assert.False(JobFeasibility.NeedsWorkers(job with { Engine = Engines.Cycles }));
    }

    [Fact]
    public void Probe_ReadsTheEnginesAndKeepsAnOlderAgentsAnswerUnknown()
    {
        var features = BlenderProbe.Parse("""PROVISION-BLENDER-FEATURES {"version": "3.4.1", "denoisers": ["none"], "formats": ["PNG"], "engines": ["BLENDER_EEVEE", "BLENDER_WORKBENCH", "CYCLES"]}""");
        Assert.Equal(["BLENDER_EEVEE", "BLENDER_WORKBENCH", "CYCLES"], features!.Engines);
        Assert.Null(BlenderProbe.Parse("""PROVISION-BLENDER-FEATURES {"version": "3.4.1", "denoisers": ["none"], "formats": ["PNG"]}""")!.Engines);
        var fields = features.Fields().ToDictionary(f => f.Name, f => f.Value);
        Assert.Equal("BLENDER_EEVEE,BLENDER_WORKBENCH,CYCLES", fields[BlenderFeatures.EnginesField]);
        Assert.Equal(features.Engines, BlenderFeatures.FromFields(name => fields.GetValueOrDefault(name, ""))!.Engines);
    }

    [Fact]
    public void Command_EeveeGetsItsIdItsSamplesAndNoCyclesDevice()
    {
        var args = new BlenderCommand("blender", "/c/s.blend", "/w/f_####", FrameList.Parse("1-2"), "OPTIX", 16, null, null, "BLENDER_EEVEE").Arguments().ToList();
        Assert.Equal("BLENDER_EEVEE", args[args.IndexOf("-E") + 1]);
        Assert.Contains("import bpy; bpy.context.scene.eevee.taa_render_samples = 16", args);
        Assert.DoesNotContain("--cycles-device", args);
        Assert.DoesNotContain(args, a => a.Contains("cycles.device", StringComparison.Ordinal));

        var cycles = new BlenderCommand("blender", "/c/s.blend", "/w/f_####", FrameList.Parse("1"), "OPTIX", 16, null).Arguments().ToList();
        Assert.Equal("CYCLES", cycles[cycles.IndexOf("-E") + 1]);
        Assert.Contains("import bpy; bpy.context.scene.cycles.samples = 16", cycles);
        Assert.Equal(["--", "--cycles-device", "OPTIX"], cycles.TakeLast(3));
    }

    [Theory]
    [InlineData("EEVEE", 0.1, null, null, null, "noise_threshold is a Cycles setting: engine EEVEE has none")]
    [InlineData("WORKBENCH", null, "none", null, null, "denoiser is a Cycles setting")]
    [InlineData("EEVEE", null, null, true, null, "persistent_data is a Cycles setting")]
    [InlineData("WORKBENCH", null, null, null, 8, "samples: Workbench has no sample count")]
    [InlineData("OPENGL", null, null, null, null, "engine 'OPENGL' must be one of CYCLES, EEVEE, WORKBENCH")]
    public void CyclesSettings_AreRefusedForTheOtherEngines(string engine, double? threshold, string? denoiser, bool? persistent, int? samples, string words)
    {
        var job = new JobSpec { Id = "j", Src = "/s.blend", Frames = "1", Output = "/o", Engine = engine, NoiseThreshold = threshold, Denoiser = denoiser, PersistentData = persistent, Samples = samples };
        Assert.Contains(words, JobValidation.Problem(job), StringComparison.Ordinal);
    }

    [Fact]
    public void GlProbe_ReadsBlendersLine()
    {
        var reading = GlProbe.Parse(Llvmpipe)!;
        Assert.Equal("llvmpipe (LLVM 15.0.6, 256 bits)", reading.Renderer);
        Assert.True(reading.IsSoftware);
        Assert.Equal((4, 5), reading.Number);
        Assert.Null(GlProbe.Parse("Blender quit\n"));
        Assert.Null(GlProbe.Parse("PROVISION-GL {\"renderer\": \"\"}"));
        Assert.False(Nvidia.IsSoftware);
    }

    [Fact]
    public void GlCheck_RefusesSoftwareGlForAGpuJob_NamingTheRenderer()
    {
        var llvmpipe = GlProbe.Parse(Llvmpipe);
        var problem = GlCheck.Problem(llvmpipe, null, "OPTIX", Engines.Eevee);
        Assert.StartsWith("engine EEVEE on OPTIX: Blender got a software OpenGL renderer, 'llvmpipe (LLVM 15.0.6, 256 bits)' (Mesa/X.org, OpenGL 4.5 (Core Profile) Mesa 22.3.6), not the GPU's", problem, StringComparison.Ordinal);
        Assert.Null(GlCheck.Problem(llvmpipe, null, "CPU", Engines.Eevee));
        Assert.Null(GlCheck.Problem(Nvidia, null, "CUDA", Engines.Workbench));

        // Software classed by name even when the device type is not said (softpipe, swrast, lavapipe).
        Assert.NotNull(GlCheck.Problem(new GlReading("softpipe", "Mesa", "3.3 (Core Profile) Mesa 20.3.5", ""), null, "CUDA", Engines.Eevee));
    }

    [Fact]
    public void GlCheck_RefusesOpenGlOlderThanBlenderNeeds_AndSaysWhyWhenThereIsNone()
    {
        // Seed 003: xvfb-run on an older Mesa gave OpenGL 3.1, too old for Blender 2.80 and later (even on the CPU).
        var old = new GlReading("llvmpipe (LLVM 3.8, 256 bits)", "VMware, Inc.", "3.1 Mesa 11.2.0", "SOFTWARE");
        Assert.Contains("needs OpenGL 3.3 or newer", GlCheck.Problem(old, null, "CPU", Engines.Eevee), StringComparison.Ordinal);
        Assert.Equal("engine WORKBENCH needs OpenGL and Blender could not draw with OpenGL (exit 139): Writing: /tmp/blender.crash.txt / Segmentation fault",
            GlCheck.Problem(null, "Blender could not draw with OpenGL (exit 139): Writing: /tmp/blender.crash.txt / Segmentation fault", "CPU", Engines.Workbench));
    }
}
