using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Libvirt;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// apply creating a worker VM for real: the base image fetched over HTTP and checked, disks
/// made from it, the seed ISO built on the host, the domain defined, started and set to
/// autostart in the machine's libvirtd (TCG) through lab host h15's SSH connection. Then a second
/// apply changes nothing and a memory change is planned as a restart. (This machine has no GPU
/// and one NUMA node: the VM is neither passed a GPU nor pinned to the profile's node.)
/// </summary>
[Collection(LabCollection.Name)]
public sealed class VmApplyTests(Lab lab)
{
    private readonly Lab _lab = lab;
    private const string Vm = "h15-gpu0";

    private const string Secret = "s3cr3t-queue-pw";

    private static string Inventory(TempDirectory dir, string imageUrl, string sha256, string memory, string numa = "none", string libvirtUri = "", string libvirtAuth = "", string queue = "redis://127.0.0.1:6379/0") =>
        LabVmInventory.Write(dir, "h15", "debian", imageUrl, sha256, memory, numa, libvirtUri, libvirtAuth, queue);

    [Fact]
    public async Task Apply_WorkerVm_IsCreatedStartedAndASecondApplyChangesNothing()
    {
        using var dir = new TempDirectory();
        var image = new byte[1 << 20];
        RandomNumberGenerator.Fill(image);
        File.WriteAllBytes(Path.Combine(dir.Path, "base.raw"), image);
        var sha = Convert.ToHexStringLower(SHA256.HashData(image));
        using var http = await LocalHttpServer.StartAsync(dir.Path);
        try
        {
            var url = http.Url("base.raw");
            File.WriteAllText(Path.Combine(dir.Path, "queue-password"), Secret + "\n");
            var inventory = Inventory(dir, url, sha, "128MiB");

            var first = await CliRunner.RunAsync("apply", inventory, "--yes", "--reboot-timeout", "60");

            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            Assert.Contains($"  + base-image  /var/lib/libvirt/images/provision/base/{sha}.img\n", first.Stdout, StringComparison.Ordinal);
            Assert.Contains($"  + disk        /var/lib/libvirt/images/provision/{Vm}-os.raw\n", first.Stdout, StringComparison.Ordinal);
            Assert.Contains($"  + seed        /var/lib/libvirt/provision/{Vm}/seed.iso\n", first.Stdout, StringComparison.Ordinal);
            Assert.Contains($"  + domain      {Vm}\n", first.Stdout, StringComparison.Ordinal);
            Assert.Contains("h15 VMs: 1 VM(s) running with autostart (1 changed); guest agent answering in 0, not connected (yet) in 1", first.Stderr, StringComparison.Ordinal);
            using (var libvirt = LibvirtConnection.Open("qemu:///system"))
            using (var domain = libvirt.Find(Vm))
            {
                Assert.NotNull(domain);
                Assert.Equal(DomainState.Running, domain.State);
                Assert.True(domain.Autostart);
            }

            // The OS disk is the image, grown; the seed ISO holds the rendered documents.
            Assert.Equal(64L << 20, new FileInfo($"/var/lib/libvirt/images/provision/{Vm}-os.raw").Length);
            Assert.Equal(image, File.ReadAllBytes($"/var/lib/libvirt/images/provision/{Vm}-os.raw").AsSpan(0, image.Length).ToArray());
            var userData = Lab.Ssh("h15", $"isoinfo -i /var/lib/libvirt/provision/{Vm}/seed.iso -J -x /user-data");
            Assert.Equal(Lab.Ssh("h15", $"cat /var/lib/libvirt/provision/{Vm}/user-data").Stdout, userData.Stdout);
            Assert.StartsWith("#cloud-config", userData.Stdout, StringComparison.Ordinal);
            // The queue password reached the VM's seed (and only there): never in plan, progress or log.
            Assert.Contains($"PROVISION_QUEUE_PASSWORD={Secret}\n", userData.Stdout, StringComparison.Ordinal);
            Assert.Equal("600 root\n", Lab.Ssh("h15", $"stat -c '%a %U' /var/lib/libvirt/provision/{Vm}/user-data").Stdout);
            Assert.DoesNotContain(Secret, first.Stdout + first.Stderr, StringComparison.Ordinal);
            Assert.Contains("CD001", Lab.Ssh("h15", $"dd if=/var/lib/libvirt/provision/{Vm}/seed.iso bs=1 skip=32769 count=5 2>/dev/null").Stdout, StringComparison.Ordinal);

            var before = Lab.SshdCounts("h15");
            var second = await CliRunner.RunAsync("apply", inventory, "--detailed-exitcode");
            var afterSecond = Lab.SshdCounts("h15");
            Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
            Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", second.Stdout, StringComparison.Ordinal);
            Assert.Equal((before.Logins + 1, before.Sessions + 2), afterSecond); // one login: the probe and the libvirt channel

            // The healthy host passes the whole checklist, VMs included (--strict: no warning either).
            var check = await CliRunner.RunAsync("check", inventory, "--strict");
            Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
            Assert.Contains("  pass     vm-running ", check.Stdout, StringComparison.Ordinal);
            Assert.Contains("  pass     uefi-firmware ", check.Stdout, StringComparison.Ordinal);
            Assert.Contains(", 0 warn, 0 fail, ", check.Stdout, StringComparison.Ordinal);

            // libvirt_uri: the VMs are read through that URI instead (here the daemon's own), the SSH connection carries only the probe.
            var beforeDirect = Lab.SshdCounts("h15");
            var direct = await CliRunner.RunAsync("plan", Inventory(dir, url, sha, "128MiB", libvirtUri: "qemu:///system"), "--detailed-exitcode");
            Assert.True(direct.ExitCode == 0, direct.Stdout + direct.Stderr);
            Assert.Equal((beforeDirect.Logins + 1, beforeDirect.Sessions + 1), Lab.SshdCounts("h15"));

            // The same over libvirt's TCP listener, which asks for SASL credentials: libvirt_auth answers them.
            var sasl = await CliRunner.RunAsync("plan", Inventory(dir, url, sha, "128MiB", libvirtUri: "qemu+tcp://127.0.0.1/system",
                libvirtAuth: $"{{ username: provision-lab, password: \"${{file:{Lab.Root}/libvirt-password}}\" }}"), "--detailed-exitcode");
            Assert.True(sasl.ExitCode == 0, sasl.Stdout + sasl.Stderr);
            var noAuth = await CliRunner.RunAsync("plan", Inventory(dir, url, sha, "128MiB", libvirtUri: "qemu+tcp://127.0.0.1/system"));
            Assert.Contains("libvirt asked for authname; set libvirt_auth in the inventory", noAuth.Stdout, StringComparison.Ordinal);

            var bigger = await CliRunner.RunAsync("plan", Inventory(dir, url, sha, "192MiB"));
            Assert.Contains($"  ~ domain      {Vm}\n      redefine: memory 131072 KiB -> 196608 KiB (needs restart)\n", bigger.Stdout, StringComparison.Ordinal);
            Assert.Contains($"  ! vm          {Vm}\n      restart: the definition changed (graceful shutdown, then start)\n", bigger.Stdout, StringComparison.Ordinal);

            // A changed seed is deliberate and visible: a new instance-id, and the VM restarts to read it.
            var firstId = Regex.Match(first.Stdout, "seed of " + Vm + @" \(new\), instance-id (\S+)").Groups[1].Value;
            var reseeded = await CliRunner.RunAsync("plan", Inventory(dir, url, sha, "128MiB", queue: "redis://127.0.0.1:6380/0"));
            var newId = Regex.Match(reseeded.Stdout, "seed of " + Vm + @" \(changed: user-data, meta-data\), instance-id (\S+)").Groups[1].Value;
            Assert.NotEqual("", firstId);
            Assert.NotEqual("", newId);
            Assert.NotEqual(firstId, newId);
            Assert.Contains($"  ! vm          {Vm}\n      restart: the seed changed", reseeded.Stdout, StringComparison.Ordinal);

            // With NUMA placement, the plan pins the VM to the node its GPU sits on (65:00.0: node 0, CPUs 0-15 in this profile).
            var pinned = await CliRunner.RunAsync("plan", Inventory(dir, url, sha, "128MiB", numa: "auto"), "--diff");
            Assert.Contains("vCPU placement (none) -> 0-15; memory node (none) -> 0 (needs restart)", pinned.Stdout, StringComparison.Ordinal);

            // A deliberate replacement: the old domain goes, the old disks are kept beside, new ones are made.
            var os = $"/var/lib/libvirt/images/provision/{Vm}-os.raw";
            File.WriteAllText(os, "the old VM's disk");
            var recreated = await CliRunner.RunAsync("apply", inventory, "--recreate", Vm, "--yes");
            Assert.True(recreated.ExitCode == 0, recreated.Stdout + recreated.Stderr);
            Assert.Contains($"  - domain      {Vm}\n      --recreate: destroy and undefine", recreated.Stdout, StringComparison.Ordinal);
            Assert.Contains($"  - disk        {os}\n      --recreate: kept beside as {os}.replaced-RUN", recreated.Stdout, StringComparison.Ordinal);
            var kept = Directory.GetFiles(Path.GetDirectoryName(os)!, $"{Vm}-os.raw.replaced-*");
            Assert.Equal("the old VM's disk", File.ReadAllText(Assert.Single(kept)));
            Assert.Equal(64L << 20, new FileInfo(os).Length);
            using (var libvirt = LibvirtConnection.Open("qemu:///system"))
            using (var domain = libvirt.Find(Vm))
            {
                Assert.Equal(DomainState.Running, domain!.State);
            }

            File.Delete(kept[0]);
        }
        finally
        {
            LabVms.Remove(Vm, sha);
        }
    }

}
