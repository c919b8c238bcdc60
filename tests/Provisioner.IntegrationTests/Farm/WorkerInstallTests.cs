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
        var (blender, agent) = Downloads(dir);
        await using var redis = await RedisServer.StartAsync();
        using var http = await LocalHttpServer.StartAsync(Path.Combine(dir.Path, "www"));
        var script = await RenderInstallerAsync(dir, ExampleServedBy(http, blender, agent));
        var wrong = dir.File("wrong-install", File.ReadAllText(script).Replace(agent, new string('0', 64), StringComparison.Ordinal));

        var run = InScratchNamespace(dir, TimeSpan.FromMinutes(2), $"""
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

    /// <summary>
    /// worker.processes_per_gpu: 2 and worker.blenderproc: the installer builds BlenderProc's venv
    /// from the pinned wheel with the machine's real python3 and pip, runs it once against the
    /// installed Blender (the warm-up that lets BlenderProc fill Blender's folder while /opt is
    /// writable), keeps it all on a second run, and starts one unit per process; the two agents,
    /// started as those units would start them, are two workers in the queue. The wheel is a
    /// stand-in with BlenderProc's file name and entry point that records its arguments (the real
    /// one is on PyPI, which this machine cannot reach).
    /// </summary>
    [Fact]
    public async Task Installer_SeveralProcessesAndBlenderproc_VenvFromThePinnedWheel_WarmedUpOnce_OneUnitAndOneWorkerPerProcess()
    {
        ExternalTool.Require("curl");
        ExternalTool.Require("python3");
        using var dir = new TempDirectory();
        var (blender, agent) = Downloads(dir);
        var wheel = StandInBlenderprocWheel(Path.Combine(dir.Path, "www", "blenderproc-2.7.1-py3-none-any.whl"));
        await using var redis = await RedisServer.StartAsync();
        using var http = await LocalHttpServer.StartAsync(Path.Combine(dir.Path, "www"));
        var settings = $"      processes_per_gpu: 2\n      blenderproc: {{ url: \"{http.Url("blenderproc-2.7.1-py3-none-any.whl")}\", sha256: {wheel} }}\n";
        var inventory = ExampleServedBy(http, blender, agent).Replace("      agent:", settings + "      agent:", StringComparison.Ordinal);
        var script = await RenderInstallerAsync(dir, inventory);
        var env = File.ReadAllText(Path.Combine(dir.Path, "out", "hk-gpu-01", "vms", "hk-gpu-01-gpu0", "user-data"));
        Assert.Contains("PROVISION_BLENDERPROC=/opt/blenderproc/bin/blenderproc", env, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "hk-gpu-01", "vms", "hk-gpu-01-gpu0", "provision-worker@.service")));

        var run = InScratchNamespace(dir, TimeSpan.FromMinutes(3), $"""
            bash {script}; echo "first: $?"
            echo "blenderproc: $(readlink /opt/blenderproc) $(test -x /opt/blenderproc/bin/blenderproc && echo executable)"
            bash {script}; echo "second: $?"
            echo "calls: $(wc -l < /var/cache/blenderproc-calls.log)"
            cat /var/cache/blenderproc-calls.log
            for slot in 1 2; do
              env -i PATH=/usr/bin:/bin PROVISION_WORKER_NAME=hk-gpu-01-gpu0 PROVISION_WORKER_SLOT=$slot PROVISION_QUEUE_URL={redis.Url} PROVISION_WORK_DIR=/var/cache/work \
                timeout --preserve-status -s TERM 10 /opt/provision-worker/provision-worker > {dir.Path}/agent-$slot.log 2>&1 &
            done
            wait; echo "agents stopped"
            """);

        var output = run.Stdout + run.Stderr;
        Assert.Contains("first: 0", output, StringComparison.Ordinal);
        Assert.Contains("second: 0", output, StringComparison.Ordinal);
        Assert.Contains($"blenderproc: /opt/blenderproc-{wheel[..12]} executable", output, StringComparison.Ordinal);
        // The warm-up ran once, as BlenderProc's own 'run' against the installed Blender; the second run kept the venv.
        Assert.Contains("calls: 1", output, StringComparison.Ordinal);
        Assert.Contains($"run /opt/blenderproc-{wheel[..12]}/warm-up.py --custom-blender-path /opt/blender", output, StringComparison.Ordinal);
        Assert.True(http.Requests.Count(r => r.Contains("/blenderproc-2.7.1-py3-none-any.whl", StringComparison.Ordinal)) == 1, string.Join("\n", http.Requests) + "\n" + output);
        Assert.Equal(string.Concat(Enumerable.Repeat("systemctl daemon-reload\nsystemctl enable --now provision-worker@1.service provision-worker@2.service\n", 2)),
            File.ReadAllText(Path.Combine(dir.Path, "systemctl.log")));
        using var connection = redis.Connect();
        var workers = (await connection.GetDatabase().SetMembersAsync(Provisioner.Farm.Queue.FarmKeys.Workers)).Select(w => w.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(workers.SequenceEqual(["hk-gpu-01-gpu0-1", "hk-gpu-01-gpu0-2"]), string.Join(", ", workers) + "\n" + File.ReadAllText(Path.Combine(dir.Path, "agent-1.log")));
    }

    /// <summary>
    /// Runs <paramref name="body"/> with bash in a private mount namespace whose /opt,
    /// /usr/local/bin and /var/cache are empty tmpfs, with a systemctl stand-in that appends its
    /// arguments to DIR/systemctl.log first on the PATH (there is no systemd here).
    /// </summary>
    private static ExternalTool.Result InScratchNamespace(TempDirectory dir, TimeSpan timeout, string body)
    {
        var stubs = Path.Combine(dir.Path, "stubs");
        File.SetUnixFileMode(dir.File("stubs/systemctl", $"#!/bin/sh\necho \"systemctl $*\" >> {dir.Path}/systemctl.log\n"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return ExternalTool.Run(timeout, null, "unshare", "--mount", "--fork", "bash", "-c", $"""
            set -u
            mount --make-rprivate / && for d in /opt /usr/local/bin /var/cache; do mkdir -p $d && mount -t tmpfs scratch $d; done
            export PATH={stubs}:$PATH
            {body}
            """);
    }

    /// <summary>The stand-in Blender tarball and the real agent release tarball, served from www/; their sha256.</summary>
    private static (string Blender, string Agent) Downloads(TempDirectory dir)
    {
        var blender = Tarball(dir, "blender-3.6.5-linux-x64", "blender", "#!/bin/sh\necho 'Blender 3.6.5 (stand-in)'\n");
        File.Copy(Release.ReleaseBuild.Get().WorkerTarball, Path.Combine(dir.Path, "www", "provision-worker.tar.gz"));
        return (blender, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, "www", "provision-worker.tar.gz")))));
    }

    /// <summary>The example inventory with its downloads pointed at the local server.</summary>
    // The example's share (farm.storage) left out: mounting NFS is the farm end-to-end test's (FarmEndToEnd), not this namespace's.
    private static string ExampleServedBy(LocalHttpServer http, string blender, string agent) =>
        WithoutFarm(File.ReadAllText(Repo.Path("inventories", "example.yaml")))
            .Replace("https://download.blender.org/release/Blender3.6/blender-3.6.5-linux-x64.tar.xz", http.Url("blender.tar.xz"), StringComparison.Ordinal)
            .Replace("2c2ddc14ba4b4a1f0e1b8ee3df5e6b53e68da4541c7c6bbdf6e1bec3d1b16e02", blender, StringComparison.Ordinal)
            .Replace("http://10.20.0.5:8080/provision-worker-1.0.0-linux-x64.tar.gz", http.Url("provision-worker.tar.gz"), StringComparison.Ordinal)
            .Replace("6a3f0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", agent, StringComparison.Ordinal);

    private static string WithoutFarm(string inventory)
    {
        var start = inventory.IndexOf("\nfarm:\n", StringComparison.Ordinal);
        var end = inventory.IndexOf("\ndefaults:\n", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "inventories/example.yaml has no farm: block before defaults:");
        return inventory[..start] + inventory[end..];
    }

    /// <summary>Renders the inventory with the real CLI; the first VM's installer script.</summary>
    private static async Task<string> RenderInstallerAsync(TempDirectory dir, string inventory)
    {
        var render = await CliRunner.RunAsync("render", dir.File("inventory.yaml", inventory), "-o", Path.Combine(dir.Path, "out"));
        Assert.True(render.ExitCode == 0, render.Stderr);
        return Path.Combine(dir.Path, "out", "hk-gpu-01", "vms", "hk-gpu-01-gpu0", "provision-worker-install");
    }

    /// <summary>
    /// A pure-Python wheel named and shaped as BlenderProc's (package, dist-info, RECORD with
    /// hashes, a 'blenderproc' console script), whose command appends its arguments to
    /// /var/cache/blenderproc-calls.log; its sha256.
    /// </summary>
    private static string StandInBlenderprocWheel(string path)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["blenderproc/__init__.py"] = "",
            ["blenderproc/command_line.py"] = "import sys\n\ndef cli():\n    with open('/var/cache/blenderproc-calls.log', 'a') as log:\n        log.write(' '.join(sys.argv[1:]) + '\\n')\n",
            ["blenderproc-2.7.1.dist-info/METADATA"] = "Metadata-Version: 2.1\nName: blenderproc\nVersion: 2.7.1\n",
            ["blenderproc-2.7.1.dist-info/WHEEL"] = "Wheel-Version: 1.0\nGenerator: provisioner-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
            ["blenderproc-2.7.1.dist-info/entry_points.txt"] = "[console_scripts]\nblenderproc = blenderproc.command_line:cli\n",
        };
        var record = new System.Text.StringBuilder();
        foreach (var (name, content) in files)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(content);
            var hash = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name},sha256={hash},{bytes.Length}\n");
        }

        files["blenderproc-2.7.1.dist-info/RECORD"] = record.Append("blenderproc-2.7.1.dist-info/RECORD,,\n").ToString();
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            foreach (var (name, content) in files)
            {
                using var entry = new StreamWriter(zip.CreateEntry(name).Open());
                entry.Write(content);
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
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
