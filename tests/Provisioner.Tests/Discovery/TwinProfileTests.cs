using System.Text.Json;
using Provisioner.Core.Discovery;
using Provisioner.Core.Facts;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Discovery;

/// <summary>`discover --twin`'s profile from a host's facts: the lab's format, drivers as the kernel has them, the same bytes for the same facts.</summary>
public sealed class TwinProfileTests
{
    private static HostFacts B550M() => HostFacts.Unread("b550m") with
    {
        IsUnread = false,
        Cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro quiet amd_iommu=on",
        PciDevices = Twin.Devices("11"),
        PciDrivers = Twin.Drivers("11"),
        NumaNodes = [new NumaNodeFacts(0, 32L << 20, 0, 0, 0, 0) { Cpus = "0-15" }],
        Cpu = new CpuFacts("AuthenticAMD", "AMD Ryzen 7 3700X", 16, "svm"),
        FirmwareIommu = "IVRS",
    };

    [Fact]
    public void Json_TheB550M_DriversWithTheirModules_TheCmdlineAsItsGrubLine_SameBytesTwice()
    {
        var text = TwinProfile.Json(B550M(), "b550m");
        using var profile = JsonDocument.Parse(text);
        var root = profile.RootElement;
        JsonElement Device(string bdf) => root.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("bdf").GetString() == bdf);

        Assert.Equal(text, TwinProfile.Json(B550M(), "b550m"));
        Assert.Equal("amd", root.GetProperty("cpu_vendor").GetString());
        Assert.Equal([32], root.GetProperty("memory_gib_per_node").EnumerateArray().Select(n => n.GetInt32()));
        Assert.Equal("quiet amd_iommu=on", root.GetProperty("grub").GetProperty("GRUB_CMDLINE_LINUX").GetString());
        var usb = Device("0000:2b:00.2");
        Assert.Equal(("xhci_hcd", "xhci_pci", true), (usb.GetProperty("host_driver").GetString(), usb.GetProperty("module").GetString(), usb.GetProperty("builtin").GetBoolean()));
        var ucsi = Device("0000:2b:00.3");
        Assert.Equal(("nvidia-gpu", "i2c_nvidia_gpu", false), (ucsi.GetProperty("host_driver").GetString(), ucsi.GetProperty("module").GetString(), ucsi.GetProperty("builtin").GetBoolean()));
        Assert.Equal(14, Device("0000:2b:00.0").GetProperty("group").GetInt32());
        Assert.False(root.TryGetProperty("iommu_default_on", out _)); // AMD-Vi is on by default anyway
    }

    /// <summary>The bus hierarchy from each device's /sys path: its parent port, and ports on the path the probe did not list as devices.</summary>
    [Fact]
    public void Json_SysPaths_GiveParentsAndTheUnlistedPortsAbove()
    {
        var facts = B550M();
        var paths = facts.PciDevices.ToDictionary(d => d.Address, d => d.Address.StartsWith("0000:2b:", StringComparison.Ordinal)
            ? $"devices/pci0000:00/0000:00:03.1/0000:29:00.0/{d.Address}" : $"devices/pci0000:00/{d.Address}");
        facts = facts with { Deep = new DeepFacts(new Dictionary<string, IReadOnlyList<string>>(), false, new Dictionary<string, PciNameFacts>(), []) { PciPaths = paths } };

        using var profile = JsonDocument.Parse(TwinProfile.Json(facts, "b550m"));
        var root = profile.RootElement;
        JsonElement Device(string bdf) => root.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("bdf").GetString() == bdf);

        Assert.Equal("0000:29:00.0", Device("0000:2b:00.0").GetProperty("parent").GetString());
        Assert.False(Device("0000:00:01.0").TryGetProperty("parent", out _));
        var bridges = root.GetProperty("bridges").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(new Dictionary<string, string?> { ["0000:00:03.1"] = null, ["0000:29:00.0"] = "0000:00:03.1" }.Where(b => !facts.PciDevices.Any(d => d.Address == b.Key)), bridges);
    }
}
