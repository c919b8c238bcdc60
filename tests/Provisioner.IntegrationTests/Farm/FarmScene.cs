using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>The test scene, made once per test class by Debian's Blender itself from tests/farm/make_scene.py.</summary>
public sealed class FarmScene : IDisposable
{
    private readonly TempDirectory directory = new();

    public FarmScene()
    {
        ExternalTool.Require("blender");
        Path = System.IO.Path.Combine(directory.Path, "scene.blend");
        var result = ExternalTool.Run("blender", "-b", "--factory-startup", "--python", Repo.Path("tests", "farm", "make_scene.py"), "--", Path);
        Assert.True(File.Exists(Path), "Blender did not write the test scene: " + result);
    }

    public string Path { get; }

    public void Dispose() => directory.Dispose();
}
