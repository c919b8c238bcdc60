using System.Text.Json;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Planning;

/// <summary>
/// tests/lab/twin.sh on every published machine of Fixtures/realhw (the project's shared/realhw): what each dump shows comes
/// out in the profile (the lab boots it; the planner tests read it as facts), and what it does
/// not show is named as assumed.
/// </summary>
public sealed class TwinConverterTests
{
    private static JsonElement Device(JsonElement profile, string bdf) =>
        profile.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("bdf").GetString() == bdf);

    private static int? Group(JsonElement device) => device.TryGetProperty("group", out var g) ? g.GetInt32() : null;

    private static string[] GroupMembers(JsonElement profile, int group) =>
        [.. profile.GetProperty("devices").EnumerateArray().Where(d => Group(d) == group).Select(d => d.GetProperty("id").GetString()!)];

    [Theory]
    [InlineData("01", 39)]
    [InlineData("02", 11)]
    [InlineData("06", 4)]
    [InlineData("07", 67)]
    [InlineData("08", 32)]
    [InlineData("10", 65)]
    [InlineData("11", 38)]
    [InlineData("14", 11)]
    public void EveryPublishedMachine_BecomesAProfileWithItsDevicesAndWhatWasAssumed(string dump, int devices)
    {
        var profile = Twin.Profile(dump);

        Assert.Equal(devices, profile.GetProperty("devices").GetArrayLength());
        Assert.Contains(profile.GetProperty("assumed").EnumerateArray(), a => a.GetString()!.StartsWith("iommu_in_firmware", StringComparison.Ordinal));
        Assert.All(profile.GetProperty("devices").EnumerateArray(), d => Assert.Matches("^[0-9a-f]{4}:[0-9a-f]{4}$", d.GetProperty("id").GetString()!));
    }

    [Fact]
    public void Z370_TheSharedGroupTheAcsOverrideGroupsAndTheRealDrivers()
    {
        var profile = Twin.Profile("08");

        Assert.Equal(["8086:1901", "8086:1905", "10de:1e04", "10de:10f7", "10de:1ad6", "10de:1ad7", "10de:1f08", "10de:10f9", "10de:1ada", "10de:1adb"], GroupMembers(profile, 1));
        Assert.Equal(16, profile.GetProperty("groups_after_acs_override").GetProperty("0000:02:00.0").GetInt32());
        // lspci -vn of the 2060: xhci_hcd built in (no module line), nvidia-gpu from i2c_nvidia_gpu.
        var usb = Device(profile, "0000:02:00.2");
        Assert.Equal("xhci_hcd", usb.GetProperty("host_driver").GetString());
        Assert.Equal("xhci_pci", usb.GetProperty("module").GetString());
        Assert.True(usb.GetProperty("builtin").GetBoolean());
        Assert.False(Device(profile, "0000:02:00.3").GetProperty("builtin").GetBoolean());
        Assert.Equal("i2c_nvidia_gpu", Device(profile, "0000:02:00.3").GetProperty("module").GetString());
        Assert.Equal("nvidia", Device(profile, "0000:02:00.0").GetProperty("host_driver").GetString());
        Assert.Contains("intel_iommu=on", profile.GetProperty("grub").GetProperty("GRUB_CMDLINE_LINUX_DEFAULT").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Wrx90_NoIdsInTheDump_IdsFromPciIdsBarsAndTheHostsNvidiaDriver()
    {
        var profile = Twin.Profile("06");

        var gpu = Device(profile, "0000:c1:00.0");
        Assert.Equal("10de:26b1", gpu.GetProperty("id").GetString());
        Assert.Equal("nvidia", gpu.GetProperty("host_driver").GetString());
        Assert.Equal("nvidia", gpu.GetProperty("module").GetString());
        Assert.Contains(gpu.GetProperty("bars_mib").EnumerateArray(), b => b.GetInt32() == 64 * 1024);
        Assert.Equal("amd", profile.GetProperty("cpu_vendor").GetString());
        Assert.Contains("hugepages=8", profile.GetProperty("grub").GetProperty("GRUB_CMDLINE_LINUX_DEFAULT").GetString(), StringComparison.Ordinal);
        Assert.Contains(profile.GetProperty("assumed").EnumerateArray(), a => a.GetString()!.StartsWith("group: one IOMMU group per slot", StringComparison.Ordinal));
        // lspci -vvv prints 'NUMA node:' only where the kernel knows one: none here, so -1; numactl's one node of 128295 MB and lscpu's 24 CPUs.
        Assert.Equal(-1, gpu.GetProperty("numa").GetInt32());
        Assert.Equal([125], profile.GetProperty("memory_gib_per_node").EnumerateArray().Select(n => n.GetInt32()));
        Assert.Equal(24, profile.GetProperty("cpus_per_node").GetInt32());
    }

    /// <summary>
    /// 06's lspci -tv: each card behind its own root port of the c0 root complex, the RAID card
    /// behind four levels of NVMe switch ports. Ports the dump shows only in the tree are kept as
    /// 'bridges', the path components of the twin's /sys/devices.
    /// </summary>
    [Fact]
    public void Wrx90_TheLspciTree_GivesEachDeviceItsParentBridge()
    {
        var profile = Twin.Profile("06");
        var bridges = profile.GetProperty("bridges");

        Assert.Equal("0000:c0:01.1", Device(profile, "0000:c1:00.0").GetProperty("parent").GetString());
        Assert.Equal("0000:c0:03.1", Device(profile, "0000:c2:00.0").GetProperty("parent").GetString());
        Assert.Equal(JsonValueKind.Null, bridges.GetProperty("0000:c0:01.1").ValueKind); // a root port: on the root bus
        var chain = new List<string> { "0000:11:00.0" };
        for (var at = Device(profile, "0000:11:00.0").GetProperty("parent").GetString(); at is not null; at = bridges.GetProperty(at).GetString())
        {
            chain.Add(at);
        }

        Assert.Equal(["0000:11:00.0", "0000:10:14.0", "0000:0f:00.0", "0000:02:0c.0", "0000:01:00.0", "0000:00:03.1"], chain);
        Assert.DoesNotContain(profile.GetProperty("assumed").EnumerateArray(), a => a.GetString()!.StartsWith("parent:", StringComparison.Ordinal));
        Assert.Contains(Twin.Profile("02").GetProperty("assumed").EnumerateArray(), a => a.GetString()!.StartsWith("parent: none (no lspci -tv tree", StringComparison.Ordinal));
    }

    [Fact]
    public void X399_TreeFormChipsetGroupAndFedorasGrubLine()
    {
        var profile = Twin.Profile("07");

        Assert.Equal(14, Group(Device(profile, "0000:08:00.0")));
        Assert.Equal(34, Group(Device(profile, "0000:43:00.0")));
        Assert.Contains("1022:43ba", GroupMembers(profile, 13)); // the X399 chipset's USB, with SATA and the NICs
        Assert.Contains("pci=nomsi", profile.GetProperty("grub").GetProperty("GRUB_CMDLINE_LINUX").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void X670E_SystemdBootCmdlineAndTheOwnersVfioConf()
    {
        var profile = Twin.Profile("10");

        Assert.Equal("systemd-boot", profile.GetProperty("boot_loader").GetString());
        Assert.Contains("pcie_acs_override=downstream,multifunction", profile.GetProperty("cmdline").GetString(), StringComparison.Ordinal);
        Assert.Contains(profile.GetProperty("modprobe").EnumerateArray(), l => l.GetString() == "softdep xhci_hdc pre: vfio-pci");
    }

    [Fact]
    public void B550M_TheExcerptFromAnotherSlotIsLeftOut()
    {
        var profile = Twin.Profile("11");

        Assert.Equal(["10de:1e84", "10de:10f8", "10de:1ad8", "10de:1ad9"], GroupMembers(profile, 14));
        Assert.Contains(profile.GetProperty("ignored").EnumerateArray(), i => i.GetString() == "0000:26:00.0");
    }

    [Fact]
    public void NoDevice_ExitsNonZeroSayingWhatItLookedFor()
    {
        using var dir = new TempDirectory();
        var prose = dir.File("post.md", "My GPU passthrough works great!\n```\n$ uname -a\nLinux box 6.1.0\n```\n");

        var run = ExternalTool.Run("bash", Repo.Path("tests", "lab", "twin.sh"), prose);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("no PCI device found in " + prose, run.Stderr, StringComparison.Ordinal);
    }
}
