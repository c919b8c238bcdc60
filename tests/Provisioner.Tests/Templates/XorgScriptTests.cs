using Provisioner.Core.Rendering;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Templates;

/// <summary>
/// The rendered provision-xorg script (worker.gl: xorg), run for real with bash in its 'busid'
/// mode against a sysfs tree laid out as the kernel lays out /sys/bus/pci/devices (a folder per
/// function, 'vendor' and 'class' holding "0x10de\n" and "0x030000\n"): a GPU cannot exist on this
/// machine, so its sysfs entries stand in for it. Xorg wants the card's address in decimal.
/// </summary>
public sealed class XorgScriptTests
{
    private static Artifact Script { get; } = Rendered.FixtureInventories.SelectMany(Rendered.Artifacts).First(a => a.RelativePath.EndsWith("/provision-xorg", StringComparison.Ordinal));

    [Theory]
    [InlineData("0000:06:00.0", "0x030000", "PCI:6:0:0")]
    [InlineData("0000:0a:1f.0", "0x030000", "PCI:10:31:0")]
    [InlineData("0000:00:10.0", "0x030200", "PCI:0:16:0")] // a 3D controller (A100, H100: no display engine)
    [InlineData("0001:81:00.0", "0x030200", "PCI:129@1:0:0")]
    public void BusId_OneNvidiaDisplayController_InXorgsDecimalForm(string address, string cls, string expected)
    {
        using var sysfs = new TempDirectory();
        Device(sysfs, address, "0x10de", cls);
        Device(sysfs, address[..^1] + "1", "0x10de", "0x040300"); // the card's HDMI audio function
        Device(sysfs, "0000:00:03.0", "0x1af4", "0x020000"); // virtio-net
        Device(sysfs, "0000:00:01.0", "0x1234", "0x030000"); // QEMU's own VGA

        var result = Run(sysfs);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected + "\n", result.Stdout);
    }

    [Fact]
    public void BusId_NoNvidiaCard_FailsSaying()
    {
        using var sysfs = new TempDirectory();
        Device(sysfs, "0000:00:01.0", "0x1234", "0x030000");

        var result = Run(sysfs);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("expected exactly one NVIDIA display controller", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("found 0", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void BusId_TwoNvidiaCards_FailsNamingBoth()
    {
        using var sysfs = new TempDirectory();
        Device(sysfs, "0000:06:00.0", "0x10de", "0x030000");
        Device(sysfs, "0000:07:00.0", "0x10de", "0x030200");

        var result = Run(sysfs);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("found 2: 0000:06:00.0 0000:07:00.0", result.Stderr, StringComparison.Ordinal);
    }

    private static ExternalTool.Result Run(TempDirectory sysfs)
    {
        using var dir = new TempDirectory();
        var script = dir.File("provision-xorg", Script.Content);
        return ExternalTool.Run("env", "PROVISION_SYSFS=" + sysfs.Path, "bash", script, "busid");
    }

    private static void Device(TempDirectory sysfs, string address, string vendor, string cls)
    {
        sysfs.File($"bus/pci/devices/{address}/vendor", vendor + "\n");
        sysfs.File($"bus/pci/devices/{address}/class", cls + "\n");
    }
}
