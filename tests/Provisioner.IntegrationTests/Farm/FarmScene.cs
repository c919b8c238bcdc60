using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>The test scene, made once per test class by Debian's Blender itself from tests/farm/make_scene.py.</summary>
public sealed class FarmScene : IDisposable
{
    private readonly TempDirectory directory = new();

    public FarmScene()
    {
        ExternalTool.Require("blender");
        Path = Make("scene.blend");
    }

    public string Path { get; }

    /// <summary>Another scene from the same script: WIDTH x HEIGHT at SAMPLES samples (e.g. one that renders for minutes).</summary>
    public string Make(string name, int width = 160, int height = 120, int samples = 32)
    {
        var path = System.IO.Path.Combine(directory.Path, name);
        var i = System.Globalization.CultureInfo.InvariantCulture;
        var result = ExternalTool.Run("blender", "-b", "--factory-startup", "--python", Repo.Path("tests", "farm", "make_scene.py"), "--", path,
            width.ToString(i), height.ToString(i), samples.ToString(i));
        Assert.True(File.Exists(path), "Blender did not write the test scene: " + result);
        return path;
    }

    public void Dispose() => directory.Dispose();
}
