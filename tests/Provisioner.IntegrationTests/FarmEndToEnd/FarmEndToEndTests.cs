using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Provisioner.Farm.Queue;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Libvirt;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.FarmEndToEnd;

/// <summary>
/// The farm end to end, as a studio runs it: one inventory, `provision apply`, `provision farm
/// submit`, and frames on the share. Lab host h34 (the machine's libvirtd) gets two worker VMs
/// of a real guest OS (tests/guest/image.sh: Debian 12, cloud-init, Debian's Blender) under TCG.
/// Their first boot runs the rendered cloud-config for real: the agent tarball from a local HTTP
/// server, the queue a real redis-server with a password, the share a real NFS server
/// (nfs-ganesha, VFS backend: this machine's kernel has no nfsd). All of it on prvfarm0, a bridge
/// this test makes with its own address (10.231.0.1/24) and removes: the guests reach nothing else.
/// The job's scene sits on the share beside its texture (//textures/green.png) and renders in
/// place; one VM is destroyed mid-task and the other finishes its task.
/// </summary>
[Collection(LabCollection.Name)]
[Trait("Category", "FarmEndToEnd")]
public sealed class FarmEndToEndTests(Lab lab, ITestOutputHelper output)
{
    private readonly Lab _lab = lab;
    private const string Host = "h34";
    private const string Bridge = "prvfarm0";
    private const string Gateway = "10.231.0.1";
    private static readonly string[] Vms = ["h34-gpu0", "h34-gpu1"];
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task ApplyThenSubmit_FramesLandOnTheShareWithTheirTexture_ALostVmsTaskIsFinishedByTheOther()
    {
        var image = GuestImage();
        ExternalTool.Require("ganesha.nfsd");
        ExternalTool.Require("redis-server");
        using var dir = new TempDirectory();
        var clock = Stopwatch.StartNew();
        var marks = new List<(string Step, TimeSpan At)>();
        void Mark(string step)
        {
            marks.Add((step, clock.Elapsed));
            output.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.0} s  {step}");
        }

        // Its own host: 'up 34' also makes h33 when the fast suite's twin test has not (another process).
        Lab.Run("up", "34", "a5000x4", "debian", "libvirt");
        MakeBridge();
        // Not under /tmp: the worker's unit has PrivateTmp (the loader refuses such a mount). The
        // control machine sees the share at the path the VMs mount it, as a studio's does.
        var share = Path.Combine(Lab.Root, "farm-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        using var nfs = NfsServer.Start(dir.Path, share, Gateway);
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(Path.Combine(dir.Path, "queue-password"), password + "\n");
        using var redis = await QueueServer.StartAsync(Path.Combine(dir.Path, "redis"), Gateway, password);
        var www = Directory.CreateDirectory(Path.Combine(dir.Path, "www")).FullName;
        File.CreateSymbolicLink(Path.Combine(www, "guest.qcow2"), Path.Combine(image, "guest.qcow2"));
        // PROVISION_TEST_WORKER_TARBALL: a tarball tools/release.sh made from this tree already (saves
        // its ~3 min when the test is run again by hand); CI builds it here.
        var agent = Environment.GetEnvironmentVariable("PROVISION_TEST_WORKER_TARBALL") is { Length: > 0 } prebuilt ? prebuilt : Release.ReleaseBuild.Get().WorkerTarball;
        File.Copy(agent, Path.Combine(www, "provision-worker.tar.gz"));
        using var http = await LocalHttpServer.StartAsync(www, Gateway);
        var imageSha = File.ReadAllText(Path.Combine(image, "guest.qcow2.sha256")).Trim();
        var agentSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(agent)));
        var inventory = Inventory(dir, share, nfs.Port, redis.Port, http.Url("guest.qcow2"), imageSha, http.Url("provision-worker.tar.gz"), agentSha);
        // The scene on the share, beside the texture it names by relative path.
        var scenes = Path.Combine(share, "scenes");
        var made = ExternalTool.Run("blender", "-b", "--factory-startup", "--python", Repo.Path("tests", "farm", "make_textured_scene.py"), "--", scenes);
        Assert.True(File.Exists(Path.Combine(scenes, "textured.blend")), made.ToString());
        NfsServer.GiveToSquashedOwner(share);

        try
        {
            var apply = await CliRunner.RunAsync("apply", inventory, "--yes");
            Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
            Assert.Contains("h34 VMs: 2 VM(s) running with autostart (2 changed)", apply.Stderr, StringComparison.Ordinal);
            Mark("apply done: 2 VMs defined and started");

            using var connection = await ConnectionMultiplexer.ConnectAsync($"{Gateway}:{redis.Port},password={password},abortConnect=false");
            var db = connection.GetDatabase();
            await WaitUntilAsync(async () => (await db.SetMembersAsync(FarmKeys.Workers)).Length == 2, BootTimeout,
                "both VMs' workers joining the queue (boot, cloud-init, payload, agent)", () => Consoles(dir));
            Mark("both workers in the queue");

            // From inside each VM (guest agent): the queue answers and the share is writable by the worker.
            var check = await CliRunner.RunAsync("check", inventory);
            Assert.Contains("  pass     guest-farm ", check.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(password, check.Stdout + check.Stderr, StringComparison.Ordinal);

            // A second apply: nothing to change on a farm that is up.
            var again = await CliRunner.RunAsync("apply", inventory, "--detailed-exitcode");
            Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
            Assert.Contains("0 applied", again.Stdout, StringComparison.Ordinal);

            var outDir = Path.Combine(share, "out");
            var submit = await CliRunner.RunAsync("farm", "submit", Path.Combine(scenes, "textured.blend"), "--frames", "1-4", "--chunk", "1",
                "--output", outDir, "--id", "e2e", "--device", "CPU", "-I", inventory);
            Assert.True(submit.ExitCode == 0, submit.Stdout + submit.Stderr);
            Mark("job submitted: 4 tasks of 1 frame");

            var reader = new FarmReader(db, new FarmQueue(db, TimeProvider.System));
            string? lost = null;
            await WaitUntilAsync(async () =>
            {
                var running = (await reader.TasksAsync("e2e", CancellationToken.None)).FirstOrDefault(t => t.State == "running" && t.Worker.Length > 0);
                lost = running?.Worker;
                return lost is not null;
            }, BootTimeout, "a worker taking a task", () => Consoles(dir));
            Mark($"{lost} took a task: destroying its VM");
            using (var libvirt = LibvirtConnection.Open("qemu:///system"))
            using (var domain = libvirt.Find(lost!))
            {
                domain!.Destroy();
            }

            await WaitUntilAsync(async () => (await reader.JobAsync("e2e", CancellationToken.None))?.Status is "done" or "failed", BootTimeout,
                "the job ending", () => Consoles(dir));
            Mark("job done");

            var job = (await reader.JobAsync("e2e", CancellationToken.None))!;
            Assert.True(job.Status == "done", job.Error);
            var frames = await reader.FramesAsync("e2e", CancellationToken.None);
            Assert.Equal([1, 2, 3, 4], frames.Select(f => f.Frame));
            var survivor = Vms.Single(v => v != lost);
            var tasks = await reader.TasksAsync("e2e", CancellationToken.None);
            Assert.Contains(tasks, t => t.Attempts == 2 && t.Worker == survivor); // the lost VM's task, finished by the other
            Assert.Equal(["frame_0001.png", "frame_0002.png", "frame_0003.png", "frame_0004.png"],
                Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var frame in Directory.GetFiles(outDir))
            {
                Assert.Null(PngCheck.Problem(frame));
                var pixel = FramePixels.Center(frame);
                Assert.True(FramePixels.IsTextureGreen(pixel), $"{frame}'s centre is {pixel}, not the texture's green");
            }

            var status = await CliRunner.RunAsync("farm", "status", "e2e", "-I", inventory);
            Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
            Assert.Contains("done", status.Stdout, StringComparison.Ordinal);
            var workers = await CliRunner.RunAsync("farm", "workers", "-I", inventory);
            Assert.Contains(survivor, workers.Stdout, StringComparison.Ordinal);

            Report(marks, survivor);
        }
        finally
        {
            foreach (var vm in Vms)
            {
                LabVms.Remove(vm, imageSha);
            }

            ExternalTool.Run("ip", "link", "del", Bridge);
            if (Directory.Exists(share))
            {
                Directory.Delete(share, recursive: true);
            }
        }
    }

    /// <summary>The guest image's cache entry (tests/setup.sh builds it before the tests).</summary>
    private static string GuestImage()
    {
        var path = ExternalTool.Run(TimeSpan.FromMinutes(15), null, Repo.Path("tests", "guest", "image.sh"), "build");
        Assert.True(path.ExitCode == 0, "tests/guest/image.sh build failed: " + path);
        return path.Stdout.Trim().Split('\n')[^1];
    }

    private static void MakeBridge()
    {
        ExternalTool.Run("ip", "link", "del", Bridge);
        foreach (var step in new[] { new[] { "link", "add", Bridge, "type", "bridge" }, ["addr", "add", Gateway + "/24", "dev", Bridge], ["link", "set", Bridge, "up"] })
        {
            var result = ExternalTool.Run("ip", step);
            Assert.True(result.ExitCode == 0, "ip " + string.Join(' ', step) + ": " + result);
        }
    }

    private static string Inventory(TempDirectory dir, string share, int nfsPort, int redisPort, string imageUrl, string imageSha, string agentUrl, string agentSha) => dir.File("farm.yaml", $$"""
        version: 1
        farm:
          storage:
            server: {{Gateway}}
            export: {{share}}
            mount: {{share}}
            options: [noatime, "port={{nfsPort}}"]
        defaults:
          ssh: { user: root, identity_file: {{Lab.Root}}/keys/admin_ed25519, known_hosts: {{Lab.KnownHosts}} }
          gpu_model:
            functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }]
          vm:
            vcpus: 1
            memory: 1536MiB
            hugepages: false
            domain_type: qemu
            passthrough: false
            numa: none
            os_disk: 6GiB
            work_disk: 1GiB
            network: { bridge: {{Bridge}}, mode: static, gateway: {{Gateway}} }
            image: { url: "{{imageUrl}}", sha256: {{imageSha}} }
            users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
            worker:
              kind: queue
              queue_url: "redis://{{Gateway}}:{{redisPort}}/0"
              queue_password: "${file:{{dir.Path}}/queue-password}"
              device: CPU
              blender: system
              agent: { url: "{{agentUrl}}", sha256: {{agentSha}} }
        hosts:
          - name: {{Host}}
            address: {{Lab.Address(Host)}}
            os: debian
            cpu_vendor: intel
            memory: 256GiB
            gpus:
              - { address: "65:00.0", vm: { network: { address: 10.231.0.11/24 } } }
              - { address: "66:00.0", vm: { network: { address: 10.231.0.12/24 } } }
        """);

    /// <summary>
    /// The benchmark's split, from inside the surviving guest (through its guest agent): kernel
    /// to cloud-init, cloud-init's stages, the payload install, the agent's start, and Blender's
    /// fixed cost the agent logged for each task.
    /// </summary>
    private void Report(List<(string Step, TimeSpan At)> marks, string vm)
    {
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        using var domain = libvirt.Find(vm)!;
        var run = (string script) => GuestExec.Run(json => domain.GuestAgent(json, TimeSpan.FromSeconds(30)), "/bin/sh", ["-c", script], () => Thread.Sleep(500), 60) is { ExitCode: 0 } r ? r.Output : "(no answer)";
        output.WriteLine("--- in " + vm + ": cloud-init stages (status.json), payload, agent, Blender's fixed cost");
        output.WriteLine(run("cloud-init analyze show 2>/dev/null | grep -E 'Starting stage|Finished stage|Total Time' | head -n 12"));
        output.WriteLine(run("systemd-analyze 2>/dev/null | head -n 1; systemctl show provision-worker -p ActiveEnterTimestamp"));
        output.WriteLine(run("journalctl -u provision-worker --no-pager -o short-monotonic | grep -E 'fixed cost|joined|started' | head -n 8"));
        foreach (var (step, at) in marks)
        {
            output.WriteLine($"{at.TotalSeconds,7:0.0} s  {step}");
        }
    }

    /// <summary>What each VM says about its first boot, through its guest agent: for a test that timed out.</summary>
    private static string Consoles(TempDirectory dir)
    {
        _ = dir;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        return string.Join("\n", Vms.Select(vm =>
        {
            using var domain = libvirt.Find(vm);
            if (domain is null || domain.State != DomainState.Running)
            {
                return $"--- {vm}: not running";
            }

            try
            {
                var said = GuestExec.Run(json => domain.GuestAgent(json, TimeSpan.FromSeconds(10)), "/bin/sh",
                    ["-c", "cloud-init status --long; tail -n 25 /var/log/cloud-init-output.log; journalctl -u 'provision-worker*' --no-pager | tail -n 15; mount | grep nfs"],
                    () => Thread.Sleep(500), 40);
                return $"--- {vm}:\n" + (said?.Output ?? "(the guest agent could not run it)");
            }
            catch (LibvirtException e)
            {
                return $"--- {vm}: guest agent not answering ({e.Message})";
            }
        }));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        Assert.Fail($"timed out after {timeout.TotalMinutes:0} min waiting for {what}\n{diagnostics()}");
    }
}
