using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// Lab twins of real machines (tests/lab/twin.sh from tests/Provisioner.Tests/Fixtures/realhw/dumps), booted with what
/// their owners' disks held (the GRUB lines), planned and applied as real hosts.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class RealHardwareTwinTests(Lab lab)
{
    private readonly Lab _lab = lab;

    private static string Inventory(TempDirectory dir, string host, string cpu, string gpus, string extra = "") => dir.File(host + ".yaml", $$"""
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
        {{extra}}
        """);

    /// <summary>Dump 08: the RTX 2080 Ti and the RTX 2060 share IOMMU group 1 with both root ports; the owner's GRUB_CMDLINE_LINUX_DEFAULT already has intel_iommu=on.</summary>
    [Fact]
    public async Task Z370Twin_TwoCardsOfOneGroupForTwoVms_IsBlockedAndNothingIsDoubled()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h22", "intel", $"[{Rtx2080Ti("01:00.0")}, {Rtx2060("02:00.0")}]");

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
        string A5000(string address) => Gpu(address, "RTX A5000", "10de:2231", "10de:1aef");
        var inventory = Inventory(dir, "h23", "intel", $"[{A5000("4f:00.0")}, {A5000("52:00.0")}, {A5000("ce:00.0")}]");

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

    // 08's two Turing cards, each with its four functions.
    private static string Rtx2080Ti(string address) => Gpu(address, "RTX 2080 Ti", "10de:1e04", "10de:10f7", "10de:1ad6", "10de:1ad7");

    private static string Rtx2060(string address) => Gpu(address, "RTX 2060", "10de:1f08", "10de:10f9", "10de:1ada", "10de:1adb");

    private static string Gpu(string address, string name, params string[] ids) =>
        $"{{ address: \"{address}\", model: {{ name: {name}, functions: [{string.Join(", ", ids.Select((id, f) => $"{{ function: {f}, id: \"{id}\" }}"))}] }} }}";

    private static string[] Drivers(string host, string slot) =>
        Lab.Ssh(host, $"for f in /sys/bus/pci/devices/{slot}.*; do basename \"$(readlink $f/driver)\"; done").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Dump 11: the RTX 2070 SUPER's four functions alone in group 14, its USB function on the
    /// built-in xhci_hcd that no softdep or blacklist can move (the author's own note), and a
    /// GT 710 the host keeps on nouveau. The early rebind by address takes all four; the GT 710
    /// keeps its driver; a second apply changes nothing.
    /// </summary>
    [Fact]
    public async Task B550MTwin_TheBuiltInXhciFunctionGoesToVfioPci_TheHostsGt710KeepsNouveau()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h24", "amd", $"[{Gpu("2b:00.0", "RTX 2070 SUPER", "10de:1e84", "10de:10f8", "10de:1ad8", "10de:1ad9")}]",
            "    blacklist_nouveau: false");
        Assert.Equal("xhci_hcd", Drivers("h24", "0000:2b:00")[2]);

        var first = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--yes", "--reboot-timeout", "60");

        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Equal(["vfio-pci", "vfio-pci", "vfio-pci", "vfio-pci"], Drivers("h24", "0000:2b:00"));
        Assert.Equal("nouveau", Drivers("h24", "0000:04:00")[0]);
        var cmdline = Lab.Ssh("h24", "cat /proc/cmdline").Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(cmdline.Distinct().Count(), cmdline.Length);
        var second = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--detailed-exitcode");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", second.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// An Ubuntu-like kernel (profile turing-vfio-builtin): vfio-pci built in reads only
    /// vfio-pci.ids= from the command line, never modprobe.d. A host_driver written as the
    /// driver's name (nvidia-gpu, whose module is i2c_nvidia_gpu) is named in pre-flight.
    /// </summary>
    [Fact]
    public async Task VfioBuiltIn_TheIdsOnTheCommandLineBindEveryFunction_ADriverNameAsHostDriverIsNamed()
    {
        using var dir = new TempDirectory();
        var named = Inventory(dir, "h25", "intel", """[{ address: "01:00.0", model: { name: RTX 2080 Ti, functions: [{ function: 0, id: "10de:1e07" }, { function: 1, id: "10de:10f7" }, { function: 2, id: "10de:1ad6" }, { function: 3, id: "10de:1ad7", host_driver: nvidia-gpu }] } }]""");
        var plan = await CliRunner.RunAsync("plan", named, "--no-vms");
        Assert.Contains("host_driver nvidia-gpu of 0000:01:00.3 is a driver's name, not a module's: modprobe.d never matches it", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("write host_driver: i2c_nvidia_gpu (its module) for function 3", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("vfio-pci.ko", Lab.Ssh("h25", "cat /lib/modules/$(uname -r)/modules.builtin").Stdout, StringComparison.Ordinal);

        var inventory = Inventory(dir, "h25", "intel", $"[{Gpu("01:00.0", "RTX 2080 Ti", "10de:1e07", "10de:10f7", "10de:1ad6", "10de:1ad7")}]");
        var apply = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--yes", "--reboot-timeout", "60");

        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Equal(["vfio-pci", "vfio-pci", "vfio-pci", "vfio-pci"], Drivers("h25", "0000:01:00"));
        Assert.Contains(" vfio-pci.ids=10de:10f7,10de:1ad6,10de:1ad7,10de:1e07", Lab.Ssh("h25", "cat /proc/cmdline").Stdout, StringComparison.Ordinal);
    }

    /// <summary>Dump 02: a Turing 2080 Ti with only its VGA and audio functions listed: blocked, naming the USB and UCSI functions of its group.</summary>
    [Fact]
    public async Task Plx9797Twin_OnlyTwoOfFourTuringFunctions_IsBlockedNamingTheOthers()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h26", "intel", $"[{Gpu("1b:00.0", "RTX 2080 Ti", "10de:1e04", "10de:10f7")}]");

        var plan = await CliRunner.RunAsync("plan", inventory, "--no-vms");

        Assert.True(plan.ExitCode == 1, plan.Stdout + plan.Stderr);
        Assert.Contains("0000:1b:00.2 (10de:1ad6) shares IOMMU group 30 with GPU 0000:1b:00.0 but is not passed through with it", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("add function 3 (id 10de:1ad7) to gpu_model.functions", plan.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Dump 06: amd_iommu=off and a left-over hugepages=8 in GRUB_CMDLINE_LINUX_DEFAULT, the NVIDIA
    /// driver on the host, 64 GiB BARs: the plan removes both stale arguments, check names the rest.
    /// </summary>
    [Fact]
    public async Task Wrx90Twin_StaleIommuOffAndHugepagesAreRemoved_TheHostsNvidiaDriverAndTheLargeBarAreNamed()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h27", "amd", $"[{Gpu("c1:00.0", "RTX 6000 Ada", "10de:26b1")}, {Gpu("c2:00.0", "RTX 6000 Ada", "10de:26b1")}]",
            "    vm: { hugepages: true, memory: 32GiB }");

        var plan = await CliRunner.RunAsync("plan", inventory, "--no-vms");
        var check = await CliRunner.RunAsync("check", inventory);

        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        Assert.Contains("~ kernel-args +amd_iommu=on +vfio-pci.ids=10de:26b1 -amd_iommu=off -hugepages=8\n", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAIL     host-gpu-drivers        nvidia is loaded on the host", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("GPU 0000:c1:00.0 has 64 GiB of BARs", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("the running kernel still has amd_iommu=off", check.Stdout, StringComparison.Ordinal);

        // Brought up: the owner's hugepages=8 gone, the two VMs' 64 pages on the one node (the
        // cards say numa_node -1), both cards on vfio-pci, and a second apply changes nothing.
        var apply = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--yes", "--reboot-timeout", "60");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        var cmdline = Lab.Ssh("h27", "cat /proc/cmdline").Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(cmdline.Distinct().Count(), cmdline.Length);
        Assert.DoesNotContain(cmdline, w => w.StartsWith("hugepages=", StringComparison.Ordinal));
        Assert.Equal("64\n", Lab.Ssh("h27", "cat /sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages").Stdout);
        Assert.Equal(["vfio-pci", "vfio-pci"], [.. Drivers("h27", "0000:c1:00"), .. Drivers("h27", "0000:c2:00")]);
        // Its bus hierarchy as the dump's lspci -tv drew it: each card behind its own root port of the c0 complex.
        Assert.Equal("../../../devices/pci0000:c0/0000:c0:01.1/0000:c1:00.0\n", Lab.Ssh("h27", "readlink /sys/bus/pci/devices/0000:c1:00.0").Stdout);
        var second = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--detailed-exitcode");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
    }

    /// <summary>Dumps 07 (Fedora, pci=nomsi, a GTX 1060 for the host) and 10 (Arch booting with systemd-boot): refused in pre-flight, never planned as the inventory's debian; nothing runs.</summary>
    [Theory]
    [InlineData("h28", "08:00.0", "GTX 1080", "10de:1b80,10de:10f0", "the host runs Fedora Linux 38 (Workstation Edition), which Provisioner does not support")]
    [InlineData("h29", "05:00.0", "RTX 2070 SUPER", "10de:1e84,10de:10f8,10de:1ad8,10de:1ad9", "the host boots with systemd-boot (/boot/loader/loader.conf) and has no GRUB config")]
    public async Task UnsupportedTwins_AreRefusedInPreflight(string host, string address, string name, string ids, string refusal)
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, host, "amd", $"[{Gpu(address, name, ids.Split(','))}]");

        var plan = await CliRunner.RunAsync("plan", inventory, "--no-vms");
        var apply = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--yes");

        Assert.True(plan.ExitCode == 1, plan.Stdout + plan.Stderr);
        Assert.Contains("x BLOCKED: " + refusal, plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 applied, 0 unchanged, 1 blocked, 0 failed.", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal("", Lab.Ssh(host, "cat /var/lib/lab/markers.log").Stdout);
        if (host == "h28")
        {
            Assert.Contains("warning: pci=nomsi is on the command line", plan.Stdout, StringComparison.Ordinal);
            Assert.Contains("warning: 0000:43:00.0 (10de:1c03) stays on the host, but blacklist_nouveau takes nouveau from it", plan.Stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>Dump 14: the GTX 1660 SUPER with two of its four functions is the owner's "group 1 is not viable"; all four, and it comes up.</summary>
    [Fact]
    public async Task CometLakeTwin_TwoFunctionsAreNotViable_AllFourComeUp()
    {
        using var dir = new TempDirectory();
        var two = Inventory(dir, "h30", "intel", $"[{Gpu("01:00.0", "GTX 1660 SUPER", "10de:21c4", "10de:1aeb")}]");
        var blocked = await CliRunner.RunAsync("plan", two, "--no-vms");
        Assert.True(blocked.ExitCode == 1, blocked.Stdout + blocked.Stderr);
        Assert.Contains("0000:01:00.2 (10de:1aec) shares IOMMU group 1 with GPU 0000:01:00.0 but is not passed through with it", blocked.Stdout, StringComparison.Ordinal);

        var four = Inventory(dir, "h30", "intel", $"[{Gpu("01:00.0", "GTX 1660 SUPER", "10de:21c4", "10de:1aeb", "10de:1aec", "10de:1aed")}]");
        var apply = await CliRunner.RunAsync("apply", four, "--no-vms", "--yes", "--reboot-timeout", "60");

        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Equal(["vfio-pci", "vfio-pci", "vfio-pci", "vfio-pci"], Drivers("h30", "0000:01:00"));
        Assert.Equal("i915", Drivers("h30", "0000:00:02")[0]); // the integrated GPU stays on the host
    }

    /// <summary>What a lab profile says of each device, as a comparable line.</summary>
    private static List<string> DeviceLines(string profileJson)
    {
        using var profile = System.Text.Json.JsonDocument.Parse(profileJson);
        return [.. profile.RootElement.GetProperty("devices").EnumerateArray().Select(d => string.Join(' ',
            d.GetProperty("bdf").GetString(), d.GetProperty("id").GetString(), d.GetProperty("class").GetString(),
            d.TryGetProperty("group", out var g) ? g.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : "-",
            d.GetProperty("numa").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            d.GetProperty("host_driver").GetString() ?? "-", d.GetProperty("module").GetString() ?? "-", d.GetProperty("builtin").GetBoolean()))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// `discover --twin FILE HOST` writes a live host's profile read-only: on the twin of dump 02
    /// it gives back the converter's devices, groups and drivers; booted as a new lab host (h33),
    /// that profile reads back the same, so a user can rehearse apply on a twin of their own server.
    /// </summary>
    [Fact]
    public async Task DiscoverTwin_ALiveHostsProfile_BootsAsATwinThatReadsTheSame()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "h26.json");
        var before = Lab.Ssh("h26", "cat /var/lib/lab/markers.log; find /etc -newer /var/lib/lab/boot_id -type f | wc -l").Stdout;

        var discover = await CliRunner.RunAsync(["discover", "--twin", file, Lab.Address("h26"), .. Lab.DiscoverAccess]);

        Assert.True(discover.ExitCode == 0, discover.Stdout + discover.Stderr);
        Assert.Equal(before, Lab.Ssh("h26", "cat /var/lib/lab/markers.log; find /etc -newer /var/lib/lab/boot_id -type f | wc -l").Stdout); // read-only
        var written = File.ReadAllText(file);
        Assert.Equal(DeviceLines(Twin.ProfileText("02")), DeviceLines(written));
        Assert.Contains("\"iommu_default_on\": true", written, StringComparison.Ordinal);

        Lab.Run("up", "33", file);
        var again = Path.Combine(dir.Path, "h33.json");
        var rediscover = await CliRunner.RunAsync(["discover", "--twin", again, Lab.Address("h33"), .. Lab.DiscoverAccess]);
        Assert.True(rediscover.ExitCode == 0, rediscover.Stdout + rediscover.Stderr);
        Assert.Equal(DeviceLines(written), DeviceLines(File.ReadAllText(again)));
        var two = await CliRunner.RunAsync(["discover", "--twin", again, Lab.Address("h26"), Lab.Address("h33"), .. Lab.DiscoverAccess]);
        Assert.Equal(1, two.ExitCode);
        Assert.Contains("--twin writes the profile of one host, and 2 were named", two.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Dump 08 again, the way its owner went on: a kernel with the ACS override patch, and
    /// pcie_acs_override=downstream in GRUB_CMDLINE_LINUX_DEFAULT. Each card is alone in its group,
    /// so both come up; our pcie_acs_override=downstream,multifunction replaces the owner's
    /// value (one key, one value), and a second apply changes nothing.
    /// </summary>
    [Fact]
    public async Task Z370Twin_OnTheAcsOverrideKernel_BothCardsComeUp_TheOverrideOnceWithOurValue()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h31", "intel",
            $"[{Rtx2080Ti("01:00.0")}, {Rtx2060("02:00.0")}]",
            "    iommu: { acs_override: true }");
        Assert.Contains("pcie_acs_override=downstream", Lab.Ssh("h31", "cat /proc/cmdline").Stdout, StringComparison.Ordinal);

        var plan = await CliRunner.RunAsync("plan", inventory, "--no-vms");
        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        Assert.Contains("+pcie_acs_override=downstream,multifunction", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("-pcie_acs_override=downstream\n", plan.Stdout, StringComparison.Ordinal);

        var apply = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--yes", "--reboot-timeout", "60");

        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        var groups = Lab.Ssh("h31", "for d in 0000:01:00.0 0000:02:00.0; do basename \"$(readlink /sys/bus/pci/devices/$d/iommu_group)\"; done").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, groups.Distinct().Count());
        Assert.Equal(["vfio-pci", "vfio-pci", "vfio-pci", "vfio-pci"], Drivers("h31", "0000:01:00"));
        Assert.Equal(["vfio-pci", "vfio-pci", "vfio-pci", "vfio-pci"], Drivers("h31", "0000:02:00"));
        var cmdline = Lab.Ssh("h31", "cat /proc/cmdline").Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(cmdline, a => a.StartsWith("pcie_acs_override=", StringComparison.Ordinal));
        Assert.Equal(cmdline.Distinct().Count(), cmdline.Length);
        var second = await CliRunner.RunAsync("apply", inventory, "--no-vms", "--detailed-exitcode");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", second.Stdout, StringComparison.Ordinal);
    }
}
