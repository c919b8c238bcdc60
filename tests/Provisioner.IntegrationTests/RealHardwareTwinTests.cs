using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// Lab twins of real machines (tests/lab/twin.sh from ../shared/realhw/dumps), booted with what
/// their owners' disks held (the GRUB lines), planned and applied as real hosts.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class RealHardwareTwinTests(Lab lab)
{
    private readonly Lab _lab = lab;

    private static string Inventory(TempDirectory dir, string host, string cpu, string gpus) => dir.File(host + ".yaml", $$"""
        version: 1
        defaults:
          ssh: { user: root, identity_file: {{Lab.Root}}/keys/admin_ed25519, known_hosts: {{Lab.KnownHosts}} }
          os: debian
          vm:
            hugepages: false
            image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
            users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
            worker: { kind: none }
        hosts:
          - name: {{host}}
            address: {{Lab.Address(host)}}
            cpu_vendor: {{cpu}}
            memory: 256GiB
            gpus: {{gpus}}
        """);

    /// <summary>Dump 08: the RTX 2080 Ti and the RTX 2060 share IOMMU group 1 with both root ports; the owner's GRUB_CMDLINE_LINUX_DEFAULT already has intel_iommu=on.</summary>
    [Fact]
    public async Task Z370Twin_TwoCardsOfOneGroupForTwoVms_IsBlockedAndNothingIsDoubled()
    {
        using var dir = new TempDirectory();
        var rtx2080Ti = """{ name: RTX 2080 Ti, functions: [{ function: 0, id: "10de:1e04" }, { function: 1, id: "10de:10f7" }, { function: 2, id: "10de:1ad6" }, { function: 3, id: "10de:1ad7" }] }""";
        var rtx2060 = """{ name: RTX 2060, functions: [{ function: 0, id: "10de:1f08" }, { function: 1, id: "10de:10f9" }, { function: 2, id: "10de:1ada" }, { function: 3, id: "10de:1adb" }] }""";
        var inventory = Inventory(dir, "h22", "intel", $$"""[{ address: "01:00.0", model: {{rtx2080Ti}} }, { address: "02:00.0", model: {{rtx2060}} }]""");

        var plan = await CliRunner.RunAsync("plan", inventory, "--no-vms");

        Assert.True(plan.ExitCode == 1, plan.Stdout + plan.Stderr);
        Assert.Contains("IOMMU group 1 holds GPU 0000:01:00.0 (VM h22-gpu0), GPU 0000:02:00.0 (VM h22-gpu1): a group goes to one VM whole", plan.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("0000:00:01.0", plan.Stdout, StringComparison.Ordinal); // the root ports in the group are no problem
        Assert.DoesNotContain("+intel_iommu=on", plan.Stdout, StringComparison.Ordinal); // already on the owner's command line
        var apply = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--yes");
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("0 applied, 0 unchanged, 1 blocked, 0 failed.", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal("", Lab.Ssh("h22", "cat /var/lib/lab/markers.log").Stdout); // nothing ran on the host
    }

    /// <summary>Dump 01: three RTX A5000s, each alone in its group with its audio function: brought up, rebooted, verified, and a second apply changes nothing.</summary>
    [Fact]
    public async Task SapphireRapidsTwin_BringUpConvergesWithEveryArgumentOnce()
    {
        using var dir = new TempDirectory();
        var a5000 = """{ name: RTX A5000, functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }] }""";
        var inventory = Inventory(dir, "h23", "intel", $$"""[{ address: "4f:00.0", model: {{a5000}} }, { address: "52:00.0", model: {{a5000}} }, { address: "ce:00.0", model: {{a5000}} }]""");

        var first = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--yes", "--reboot-timeout", "60");

        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var cmdline = Lab.Ssh("h23", "cat /proc/cmdline").Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(cmdline.Distinct().Count(), cmdline.Length);
        Assert.Contains("intel_iommu=on", cmdline);
        Assert.Equal("6\n", Lab.Ssh("h23", "lspci -Dnnk | grep -c 'Kernel driver in use: vfio-pci'").Stdout);
        var second = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--detailed-exitcode");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", second.Stdout, StringComparison.Ordinal);
    }
}
