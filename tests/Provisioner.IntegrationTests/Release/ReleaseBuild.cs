using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Release;

/// <summary>
/// The release artifacts, made once per test run by the real tools/release.sh (a few minutes:
/// two self-contained ReadyToRun publishes and a pack) into a directory removed at exit.
/// </summary>
public sealed record ReleaseBuild(string Directory, string Version)
{
    private static readonly Lazy<ReleaseBuild> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static ReleaseBuild Get() => Built.Value;

    public string Cli => Path.Combine(Directory, $"provision-{Version}-linux-x64");

    public string WorkerTarball => Path.Combine(Directory, $"provision-worker-{Version}-linux-x64.tar.gz");

    private static ReleaseBuild Build()
    {
        var directory = Path.Combine(Path.GetTempPath(), "provision-release-" + Guid.NewGuid().ToString("N")[..10]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        };
        var run = ExternalTool.Run(TimeSpan.FromMinutes(20), Repo.Path(), "bash", Repo.Path("tools", "release.sh"), directory);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException("tools/release.sh failed:\n" + run.Stdout + run.Stderr);
        }

        var version = ExternalTool.RunIn(Repo.Path(), "dotnet", "msbuild", "src/Provisioner.Cli", "-getProperty:Version").Stdout.Trim();
        return new ReleaseBuild(directory, version);
    }
}
