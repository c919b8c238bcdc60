using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Release;

/// <summary>
/// tools/release.sh's artifacts as a user meets them: checked against their sums, the single-file
/// CLI run with no .NET on the PATH, the dotnet tool installed from the output directory.
/// </summary>
[Collection("release")]
public sealed class ReleaseTests
{
    private static string Head => ExternalTool.RunIn(Repo.Path(), "git", "rev-parse", "HEAD").Stdout.Trim();

    [Fact]
    public async Task SingleFileCli_MatchesItsSum_RunsWithoutDotnet_NamesTheCommit_RendersWhatTheBuildRenders()
    {
        var release = ReleaseBuild.Get();
        var sums = ExternalTool.RunIn(release.Directory, "sha256sum", "-c", "SHA256SUMS");
        Assert.True(sums.ExitCode == 0, sums.ToString());
        Assert.Equal(3, sums.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));

        // No dotnet anywhere the binary could find it: it carries its runtime and its templates.
        var version = ExternalTool.Run("env", "-i", "PATH=/usr/bin:/bin", "HOME=/tmp", release.Cli, "--version");
        Assert.Equal((0, $"{release.Version}+{Head}"), (version.ExitCode, version.Stdout.Trim()));
        using var dir = new TempDirectory();
        var render = ExternalTool.Run("env", "-i", "PATH=/usr/bin:/bin", "HOME=/tmp", release.Cli, "render", Repo.Path("inventories", "example.yaml"), "-o", Path.Combine(dir.Path, "released"));
        Assert.True(render.ExitCode == 0, render.ToString());
        var built = await CliRunner.RunAsync("render", Repo.Path("inventories", "example.yaml"), "-o", Path.Combine(dir.Path, "built"));
        Assert.True(built.ExitCode == 0, built.Stderr);
        var diff = ExternalTool.Run("diff", "-r", Path.Combine(dir.Path, "built"), Path.Combine(dir.Path, "released"));
        Assert.True(diff.ExitCode == 0, "the release binary renders other bytes than the build:\n" + diff.Stdout);
    }

    [Fact]
    public void DotnetTool_InstallsFromTheReleaseDirectory_AndRuns()
    {
        var release = ReleaseBuild.Get();
        using var dir = new TempDirectory();
        var tools = Path.Combine(dir.Path, "tools");
        var install = ExternalTool.Run(TimeSpan.FromMinutes(3), dir.Path, "dotnet", "tool", "install", "provision", "--tool-path", tools, "--add-source", release.Directory, "--version", release.Version);
        Assert.True(install.ExitCode == 0, install.ToString());
        var version = ExternalTool.Run(Path.Combine(tools, "provision"), "--version");
        Assert.Equal((0, $"{release.Version}+{Head}"), (version.ExitCode, version.Stdout.Trim()));
        var validate = ExternalTool.Run(Path.Combine(tools, "provision"), "validate", Repo.Path("inventories", "example.yaml"));
        Assert.True(validate.ExitCode == 0, validate.ToString());
    }
}

[CollectionDefinition("release")]
public sealed class ReleaseCollection;
