using System.Security.Cryptography;
using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The VM's first-boot installer, rendered from the example inventory, run for real with bash,
/// curl, sha256sum and tar against a local HTTP server, inside a private mount namespace whose
/// /opt, /usr/local/bin and /var/cache are empty tmpfs (this machine's stay untouched; systemctl
/// is a stand-in that records its arguments: there is no systemd here). The agent it installs is
/// the real release tarball (tools/release.sh), and it runs: it joins a real Redis as a worker.
/// </summary>
[Collection("farm")]
public sealed class WorkerInstallTests
{
    [Fact]
    public async Task Installer_FetchesChecksAndUnpacks_KeepsWhatIsInstalledOnASecondRun_RefusesAWrongSha256()
    {
        ExternalTool.Require("curl");
        using var dir = new TempDirectory();
        var blender = Tarball(dir, "blender-3.6.5-linux-x64", "blender", "#!/bin/sh\necho 'Blender 3.6.5 (stand-in)'\n");
        File.Copy(Release.ReleaseBuild.Get().WorkerTarball, Path.Combine(dir.Path, "www", "provision-worker.tar.gz"));
        var agent = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, "www", "provision-worker.tar.gz"))));
        await using var redis = await RedisServer.StartAsync();
        using var http = await LocalHttpServer.StartAsync(Path.Combine(dir.Path, "www"));
        var inventory = File.ReadAllText(Repo.Path("inventories", "example.yaml"))
            .Replace("https://download.blender.org/release/Blender3.6/blender-3.6.5-linux-x64.tar.xz", http.Url("blender.tar.xz"), StringComparison.Ordinal)
            .Replace("2c2ddc14ba4b4a1f0e1b8ee3df5e6b53e68da4541c7c6bbdf6e1bec3d1b16e02", blender, StringComparison.Ordinal)
            .Replace("http://10.20.0.5:8080/provision-worker-1.0.0-linux-x64.tar.gz", http.Url("provision-worker.tar.gz"), StringComparison.Ordinal)
            .Replace("6a3f0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", agent, StringComparison.Ordinal);
        var render = await CliRunner.RunAsync("render", dir.File("inventory.yaml", inventory), "-o", Path.Combine(dir.Path, "out"));
        Assert.True(render.ExitCode == 0, render.Stderr);
        var script = Path.Combine(dir.Path, "out", "hk-gpu-01", "vms", "hk-gpu-01-gpu0", "provision-worker-install");
        var wrong = dir.File("wrong-install", File.ReadAllText(script).Replace(agent, new string('0', 64), StringComparison.Ordinal));
        var stubs = Path.Combine(dir.Path, "stubs");
        File.SetUnixFileMode(dir.File("stubs/systemctl", $"#!/bin/sh\necho \"systemctl $*\" >> {dir.Path}/systemctl.log\n"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var run = ExternalTool.Run(TimeSpan.FromMinutes(2), null, "unshare", "--mount", "--fork", "bash", "-c", $"""
            set -u
            mount --make-rprivate / && for d in /opt /usr/local/bin /var/cache; do mkdir -p $d && mount -t tmpfs scratch $d; done
            export PATH={stubs}:$PATH
            bash {script}; echo "first: $?"
            echo "blender says: $(blender)"
            echo "agent: $(cat /opt/provision-worker/.provision-sha256) $(test -x /opt/provision-worker/provision-worker && echo executable)"
            env -i PATH=/usr/bin:/bin PROVISION_WORKER_NAME=installed PROVISION_QUEUE_URL={redis.Url} PROVISION_WORK_DIR=/var/cache/work \
              timeout --preserve-status -s TERM 10 /opt/provision-worker/provision-worker > {dir.Path}/agent.log 2>&1; echo "agent ran: $?"
            bash {script}; echo "second: $?"
            rm -rf /opt/provision-worker /var/cache/provision-worker/{agent}
            bash {wrong} 2>&1; echo "wrong: $?"
            test -e /opt/provision-worker && echo "agent installed anyway" || echo "agent not installed"
            ls /var/cache/provision-worker
            """);

        var output = run.Stdout + run.Stderr;
        Assert.Contains("first: 0", output, StringComparison.Ordinal);
        Assert.Contains("blender says: Blender 3.6.5 (stand-in)", output, StringComparison.Ordinal);
        Assert.Contains($"agent: {agent} executable", output, StringComparison.Ordinal);
        // The installed agent ran with no .NET on the machine, joined the queue and stopped on SIGTERM.
        Assert.Contains("agent ran: 0", output, StringComparison.Ordinal);
        using (var connection = redis.Connect())
        {
            Assert.True(await connection.GetDatabase().SetContainsAsync(Provisioner.Farm.Queue.FarmKeys.Workers, "installed"), File.ReadAllText(Path.Combine(dir.Path, "agent.log")));
        }

        Assert.Contains("second: 0", output, StringComparison.Ordinal);
        Assert.Contains($"does not have sha256 {new string('0', 64)}: refusing it", output, StringComparison.Ordinal);
        Assert.Contains("wrong: 1", output, StringComparison.Ordinal);
        Assert.Contains("agent not installed", output, StringComparison.Ordinal);
        Assert.DoesNotContain(".part", output, StringComparison.Ordinal);
        // First run: one download each; second run: none; the wrong-sha run: the agent once more.
        var requests = http.Requests;
        Assert.True(requests.Count(r => r.Contains("/blender.tar.xz", StringComparison.Ordinal)) == 1, string.Join("\n", requests) + "\n" + output);
        Assert.True(requests.Count(r => r.Contains("/provision-worker.tar.gz", StringComparison.Ordinal)) == 2, string.Join("\n", requests) + "\n" + output);

        // Two good runs enable the unit; the refused one stops before it.
        Assert.Equal(string.Concat(Enumerable.Repeat("systemctl daemon-reload\nsystemctl enable --now provision-worker.service\n", 2)),
            File.ReadAllText(Path.Combine(dir.Path, "systemctl.log")));
        Assert.False(Directory.Exists("/opt/provision-worker"), "the installer escaped its mount namespace");
    }

    /// <summary>A .tar.xz with one top folder holding one executable (a stand-in Blender: the real one is 300 MB); its sha256.</summary>
    private static string Tarball(TempDirectory dir, string folder, string executable, string content)
    {
        var file = dir.File($"src/{folder}/{executable}", content);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.Combine(dir.Path, "www"));
        var tarball = Path.Combine(dir.Path, "www", "blender.tar.xz");
        var tar = ExternalTool.Run("tar", "-cJf", tarball, "-C", Path.Combine(dir.Path, "src"), folder);
        Assert.True(tar.ExitCode == 0, tar.ToString());
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tarball)));
    }

}
