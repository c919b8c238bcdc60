using Provisioner.Farm.Frames;
using Provisioner.Worker.Rendering;

namespace Provisioner.Tests.Farm;

public sealed class BlenderTests
{
    [Fact]
    public void Command_ContiguousRun_OutputOptionsBeforeFramesAndCyclesDeviceAfterDoubleDash()
    {
        var command = new BlenderCommand("blender", "/cache/abc.blend", "/work/t/frame_####", FrameList.Parse("11-15"), "OPTIX", 64, null);

        Assert.Equal(
            ["-b", "/cache/abc.blend", "--python-expr", MissingFiles.Check, "-E", "CYCLES", "-o", "/work/t/frame_####", "-F", "PNG", "-x", "1",
             "--python-expr", "import bpy; bpy.context.scene.cycles.device = 'GPU'",
             "--python-expr", "import bpy; bpy.context.scene.cycles.samples = 64", "-s", "11", "-e", "15", "-j", "1", "-a", "--", "--cycles-device", "OPTIX"],
            command.Arguments());
    }

    [Fact]
    public void Command_FrameList_UsesDashFWithBlendersDotDotSyntax()
    {
        var args = new BlenderCommand("blender", "/s.blend", "/o/f_##", FrameList.Parse("1-3,7"), "CPU", null, 2).Arguments();

        var f = args.ToList().IndexOf("-f");
        Assert.Equal("1..3,7", args[f + 1]);
        Assert.True(args.ToList().IndexOf("-o") < f && args.ToList().IndexOf("-t") < f);
        Assert.Equal(["--python-expr", MissingFiles.Check], args.Skip(2).Take(2));
        Assert.Equal(1, args.Count(a => a == "--python-expr"));
        Assert.Equal(["--", "--cycles-device", "CPU"], args.TakeLast(3));
    }

    [Fact]
    public void Log_MissingFiles_ExplainsWithTheirPaths()
    {
        var log = new BlenderLog();
        foreach (var line in new[] { "Blender 3.4.1", "Read blend: /c/abc.blend", MissingFiles.Marker + "/c/textures/wood.png", MissingFiles.Marker + "/c/lib/props.blend" })
        {
            log.Add(line);
        }

        Assert.Equal(["/c/textures/wood.png", "/c/lib/props.blend"], log.Missing);
        var explained = log.Explain(MissingFiles.ExitCode);
        Assert.StartsWith("the scene needs 2 file(s) this worker cannot open: /c/textures/wood.png, /c/lib/props.blend. Nothing was rendered", explained, StringComparison.Ordinal);
        // Another exit code is Blender's own failure, whatever was printed before it.
        Assert.StartsWith("Blender exited with 139", log.Explain(139), StringComparison.Ordinal);
    }

    [Fact]
    public void Log_ParsesSavedFramesTimesAndErrors()
    {
        var log = new BlenderLog();
        foreach (var line in new[]
                 {
                     "Blender 3.4.1", "Read blend: /s.blend", "Fra:1 Mem:8.89M (Peak 10.20M) | Time:00:00.00 | Sample 4/4",
                     "Saved: '/w/frame_0001.png'", " Time: 00:01.25 (Saving: 00:00.10)",
                     "Saved: '/w/frame_0002.png'", " Time: 1:02:03.50 (Saving: 00:00.00)",
                     "Error: Found no Cycles device of the specified type",
                 })
        {
            log.Add(line);
        }

        Assert.Equal([("/w/frame_0001.png", 1.25), ("/w/frame_0002.png", 3723.5)], log.Saved.Select(s => (s.Path, s.Time.TotalSeconds)));
        Assert.Equal("Blender: Error: Found no Cycles device of the specified type", log.Explain(1));
        Assert.DoesNotContain(log.Tail, l => l.StartsWith("Fra:", StringComparison.Ordinal));
    }

    [Fact]
    public void Log_WithoutErrorLines_ExplainsWithItsLastWords()
    {
        var log = new BlenderLog();
        log.Add("Blender 3.4.1");
        log.Add("Segmentation fault");

        Assert.Equal("Blender exited with 139: Blender 3.4.1 / Segmentation fault", log.Explain(139));
    }

    [Theory]
    [InlineData("/mnt/renders/shot10", "/mnt/renders/shot10", "frame_0007.png")]
    [InlineData("/mnt/renders/shot10/", "/mnt/renders/shot10", "frame_0007.png")]
    [InlineData("/mnt/renders/shot10/beauty_#####", "/mnt/renders/shot10", "beauty_00007.png")]
    [InlineData("/mnt/r/v##_f###", "/mnt/r", "v##_f007.png")]
    public void OutputPattern_DirectoryOrHashPattern(string output, string directory, string file)
    {
        var pattern = OutputPattern.FromJobOutput(output);

        Assert.Equal((directory, file), (pattern.Directory, pattern.FileName(7)));
    }
}
