using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Ssh;

namespace Provisioner.IntegrationTests;

/// <summary>The fact probe against a lab host: everything in one command, read as the kernel shows it.</summary>
[Collection(LabCollection.Name)]
public sealed class FactProbeTests(Lab lab)
{
    private readonly Lab _lab = lab;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ProbeAsync_FreshA5000Host_ReportsOsDevicesNodesAndFiles()
    {
        using var connection = await SshConnection.ConnectAsync(Lab.Target("h5"), Timeout, CancellationToken.None);
        var bootId = (await connection.RunAsync("cat /proc/sys/kernel/random/boot_id", Timeout, CancellationToken.None)).Stdout.Trim();

        var facts = await FactProbe.ProbeAsync(connection, new ProbeScope(["/etc/default/grub", "/etc/modprobe.d/vfio.conf"], ["openssh-server", "qemu-system-x86", "no-such-package"], ["libvirtd", "no-such-service"]), sudo: false, Timeout, CancellationToken.None);

        Assert.Equal("h5", facts.Hostname);
        Assert.Equal("debian", facts.OsId);
        Assert.Equal(bootId, facts.BootId);
        Assert.StartsWith("BOOT_IMAGE=", facts.Cmdline, StringComparison.Ordinal);
        Assert.Equal(10, facts.PciDevices.Count);
        var gpu = facts.Device("0000:65:00.0")!;
        Assert.Equal(("10de:2231", "030000", "nouveau", (int?)null, 0), (gpu.VendorDevice, gpu.Class, gpu.Driver, gpu.IommuGroup, gpu.NumaNode));
        Assert.Equal(1, facts.Device("0000:b1:00.1")!.NumaNode);
        Assert.False(facts.IommuActive);
        Assert.Equal([128L * 1024 * 1024, 128L * 1024 * 1024], facts.NumaNodes.Select(n => n.MemTotalKib));
        Assert.Contains("nouveau", facts.LoadedModules);
        Assert.DoesNotContain("vfio_pci", facts.LoadedModules);
        var grub = facts.Files["/etc/default/grub"];
        Assert.True(grub.Exists);
        Assert.Equal("0644", grub.Mode);
        Assert.Contains("GRUB_CMDLINE_LINUX=\"\"", grub.Content, StringComparison.Ordinal);
        Assert.Equal(64, grub.Sha256!.Length);
        Assert.False(facts.Files["/etc/modprobe.d/vfio.conf"].Exists);
        Assert.False(facts.DevVfio);
        Assert.Equal(["openssh-server", "qemu-system-x86"], facts.InstalledPackages.Order());
    }
}
