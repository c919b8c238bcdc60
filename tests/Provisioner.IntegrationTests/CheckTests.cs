using System.Text.Json;
using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// `provision check` on the lab's hosts: a host brought up by apply passes everything, then each
/// seeded trap (duplicated or missing kernel argument, vfio config changed without an initramfs
/// rebuild, a console on 0.0.0.0, the audio function left on the host, a wrong device id) and each
/// failure profile (nouveau bound on a fresh host, a NIC in the GPU's group, IOMMU off in the
/// firmware, hugepages short on the GPU's node) is caught by its check with its fix. check changes
/// nothing on a host.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class CheckTests(Lab lab)
{
    private readonly Lab _lab = lab;

    private sealed record Item(string Status, string Details, string Fix);

    /// <summary>Runs `check --json` and returns the exit code and the host's checks by id.</summary>
    private static async Task<(int ExitCode, Dictionary<string, Item> Checks, string Output)> CheckAsync(string inventory, string host, params string[] options)
    {
        var result = await CliRunner.RunAsync(["check", inventory, "--json", "--limit", host, .. options]);
        using var json = JsonDocument.Parse(result.Stdout);
        var checks = json.RootElement.GetProperty("hosts")[0].GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("id").GetString()!,
            c => new Item(c.GetProperty("status").GetString()!, string.Join("; ", c.GetProperty("details").EnumerateArray().Select(d => d.GetString())), c.GetProperty("fix").GetString()!));
        return (result.ExitCode, checks, result.Stdout + result.Stderr);
    }

    private static void AssertFails(Dictionary<string, Item> checks, string id, string detail, string fix)
    {
        var item = checks[id];
        Assert.True(item.Status == "fail" && item.Details.Contains(detail, StringComparison.Ordinal) && item.Fix.Contains(fix, StringComparison.Ordinal),
            $"{id}: expected fail with '{detail}' / fix '{fix}', got {item}");
    }

    private static void Sh(string host, string command)
    {
        var result = Lab.Ssh(host, command);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Check_BroughtUpHost_PassesThenCatchesEachTrapWithItsFix()
    {
        using var dir = new TempDirectory();
        var inventory = LabInventory.Write(dir, ["h18"]);
        var apply = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--yes", "--reboot-timeout", "60");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);

        // Healthy: every host check passes (the VM checks are left out with --no-vms), --strict too.
        var healthy = await CheckAsync(inventory, "h18", "--no-vms", "--strict");
        Assert.True(healthy.ExitCode == 0, healthy.Output);
        foreach (var id in new[] { "cpu-virtualization", "iommu-firmware", "gpu-present", "gpu-device-id", "iommu-active", "interrupt-remapping", "iommu-group-isolation",
            "kernel-cmdline", "vfio-bound", "dev-vfio", "host-gpu-drivers", "initramfs-vfio", "console-localhost" })
        {
            Assert.True(healthy.Checks[id].Status == "pass", $"{id}: {healthy.Checks[id]}");
        }

        var markers = Lab.Ssh("h18", "cat /var/lib/lab/markers.log").Stdout;
        var text = await CliRunner.RunAsync("check", inventory, "--no-vms");
        Assert.Contains("  pass     initramfs-vfio ", text.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("Check: 1 hosts pass, 0 with warnings, 0 failing, 0 not reached.\n", text.Stdout, StringComparison.Ordinal);
        Assert.Equal(markers, Lab.Ssh("h18", "cat /var/lib/lab/markers.log").Stdout); // read-only

        // A kernel argument appended twice, then one missing (the boot config edited by hand).
        Sh("h18", "cp /boot/grub/grub.cfg /root/grub.cfg.good && sed -i -E '/^\\s*linux /s/intel_iommu=on/intel_iommu=on intel_iommu=on/' /boot/grub/grub.cfg");
        Lab.Reboot("h18");
        var doubled = await CheckAsync(inventory, "h18", "--no-vms");
        Assert.Equal(1, doubled.ExitCode);
        AssertFails(doubled.Checks, "kernel-cmdline", "intel_iommu=on is on the kernel command line 2 times", "remove the duplicates");
        Sh("h18", "cp /root/grub.cfg.good /boot/grub/grub.cfg && sed -i -E '/^\\s*linux /s/ iommu=pt//' /boot/grub/grub.cfg");
        Lab.Reboot("h18");
        AssertFails((await CheckAsync(inventory, "h18", "--no-vms")).Checks, "kernel-cmdline", "the running kernel lacks iommu=pt", "boot config");
        Sh("h18", "cp /root/grub.cfg.good /boot/grub/grub.cfg");
        Lab.Reboot("h18");

        // The vfio config changed after the initramfs was built: the image holds the old one.
        Thread.Sleep(1100);
        Sh("h18", "echo '# edited by hand' >> /etc/modprobe.d/vfio.conf");
        var stale = await CheckAsync(inventory, "h18", "--no-vms");
        AssertFails(stale.Checks, "initramfs-vfio", "/etc/modprobe.d/vfio.conf changed after /boot/initrd.img-", "update-initramfs -u -k all");
        Assert.Equal("pass", stale.Checks["vfio-bound"].Status); // this boot still came from the old image

        // A console listening on every address.
        Sh("h18", "setsid python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"0.0.0.0\", 5931)); s.listen(); time.sleep(120)' </dev/null >/dev/null 2>&1 & sleep 0.5");
        try
        {
            AssertFails((await CheckAsync(inventory, "h18", "--no-vms")).Checks, "console-localhost", "something listens on 0.0.0.0:5931", "127.0.0.1");
        }
        finally
        {
            Lab.Ssh("h18", "pkill -f 'socket,time' || true");
        }

        // The audio function left out of the inventory, and a wrong device id (an A10's): both caught before any change.
        using var other = new TempDirectory();
        var noAudio = await CheckAsync(LabInventory.Write(other, ["h18"], functions: """[{ function: 0, id: "10de:2231" }]"""), "h18", "--no-vms");
        AssertFails(noAudio.Checks, "iommu-group-isolation", "0000:65:00.1 (10de:1aef) shares IOMMU group 40 with GPU 0000:65:00.0 but is not passed through with it", "add function 1 (id 10de:1aef) to gpu_model.functions");
        var wrongId = await CheckAsync(LabInventory.Write(other, ["h18"], functions: """[{ function: 0, id: "10de:2236" }, { function: 1, id: "10de:1aef" }]"""), "h18", "--no-vms");
        AssertFails(wrongId.Checks, "gpu-device-id", "0000:65:00.0 is 10de:2231, not the expected 10de:2236", "SXM and PCIe");
        Assert.Equal(markers, Lab.Ssh("h18", "cat /var/lib/lab/markers.log").Stdout);
    }

    [Fact]
    public async Task Check_FreshAndBrokenHosts_FailWithTheirFixes()
    {
        using var dir = new TempDirectory();
        // A fresh GPU server: nouveau holds the GPUs, the IOMMU is not on yet.
        var fresh = await CheckAsync(LabInventory.Write(dir, ["h5"]), "h5", "--no-vms");
        Assert.Equal(1, fresh.ExitCode);
        AssertFails(fresh.Checks, "host-gpu-drivers", "nouveau is loaded on the host", "blacklist_nouveau: true");
        AssertFails(fresh.Checks, "kernel-cmdline", "the running kernel lacks intel_iommu=on", "boot config");
        AssertFails(fresh.Checks, "iommu-active", "the running kernel created no IOMMU groups", "intel_iommu=on");
        AssertFails(fresh.Checks, "initramfs-vfio", "no initramfs for the running kernel", "update-initramfs -u -k all");
        Assert.Equal("pass", fresh.Checks["iommu-firmware"].Status);

        // A NIC in the GPU's IOMMU group: no slot isolation, and the ACS override is no fix.
        Lab.BootWithCmdline("h3", "intel_iommu=on");
        var shared = await CheckAsync(LabInventory.Write(dir, ["h3"]), "h3", "--no-vms");
        AssertFails(shared.Checks, "iommu-group-isolation", "IOMMU group 1 of GPU 0000:01:00.0 also holds 0000:02:00.0 (8086:1533, class 020000)", "pcie_acs_override needs a patched kernel");

        // VT-d off in the firmware: nothing on the command line can help.
        var off = await CheckAsync(LabInventory.Write(dir, ["h4"]), "h4", "--no-vms");
        AssertFails(off.Checks, "iommu-firmware", "the firmware has the IOMMU turned off", "enable VT-d");
    }

    [Fact]
    public async Task Check_HugepagesShortOnTheGpusNode_FailsNamingTheNodeAndItsVms()
    {
        using var dir = new TempDirectory();
        var inventory = LabInventory.Write(dir, ["h19"]);
        var apply = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--yes", "--reboot-timeout", "60");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);

        // 96 x 1 GiB pages wanted, 48 per node; the kernel could reserve only 10 on node 1.
        var result = await CheckAsync(inventory, "h19");
        Assert.Equal(1, result.ExitCode);
        AssertFails(result.Checks, "hugepages-node", "node 1: 10 free 1 GiB pages, h19-gpu2, h19-gpu3 need 48", "reserved at boot");
        Assert.DoesNotContain("node 0:", result.Checks["hugepages-node"].Details, StringComparison.Ordinal);
    }

    /// <summary>
    /// Three of a5000x4's cards, two on node 0 and one on node 1: 72 one-GiB pages. A boot-time
    /// hugepages=72 would give each node 36 and leave node 0's two VMs 12 short; the
    /// provision-hugepages unit, run as the host boots, gives node 0 its 48 and node 1 its 24.
    /// </summary>
    [Fact]
    public async Task Apply_TwoGpusOnOneNodeAndOneOnTheOther_EachNodeHoldsItsOwnVmsPages()
    {
        using var dir = new TempDirectory();
        var inventory = LabInventory.Write(dir, ["h32"]);
        File.WriteAllText(inventory, File.ReadAllText(inventory).Replace(", { address: \"b2:00.0\" }", "", StringComparison.Ordinal));

        var apply = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--yes", "--reboot-timeout", "60");

        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Equal("48\n24\n", Lab.Ssh("h32", "cat /sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages /sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages").Stdout);
        Assert.DoesNotContain(Lab.Ssh("h32", "cat /proc/cmdline").Stdout.Split(' '), w => w.StartsWith("hugepages=", StringComparison.Ordinal));
        Assert.Equal("enabled\n", Lab.Ssh("h32", "systemctl is-enabled provision-hugepages.service").Stdout);
        var check = await CheckAsync(inventory, "h32");
        Assert.True(check.Checks["hugepages-node"].Status == "pass", check.Checks["hugepages-node"].ToString());
        // Debian's own QEMU (the real binary in the lab's base) lists q35.
        Assert.Matches(@"^QEMU \d+\.\d+\.\d+ \(/usr/bin/qemu-system-x86_64\) has q35$", check.Checks["qemu-machine"].Details);
        var second = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--detailed-exitcode");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
    }
}
