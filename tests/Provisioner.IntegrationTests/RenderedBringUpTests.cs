using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// The files `provision render` writes, put on a lab host by hand and followed by the commands a
/// runbook would give, do what they are for: after the boot, every function of every GPU is on
/// vfio-pci. And the trap the tool exists for reproduces: without the initramfs rebuild, the
/// GPUs stay on nouveau although the cmdline is right. (Automated apply comes with the next stage.)
/// </summary>
[Collection(LabCollection.Name)]
public sealed class RenderedBringUpTests(Lab lab)
{
    private readonly Lab _lab = lab;

    [Fact]
    public async Task DebianHost_RenderedFiles_BindEveryGpuFunctionToVfioOnlyAfterTheInitramfsRebuild()
    {
        using var dir = new TempDirectory();
        var inventory = File.ReadAllText(Repo.Path("inventories", "example.yaml"))
            .Replace("    os: el7", "    os: debian", StringComparison.Ordinal)
            .Replace("    address: 10.20.0.11\n", $"    address: {Lab.Address("h1")}\n", StringComparison.Ordinal);
        var path = dir.File("inventory.yaml", inventory);
        var render = await CliRunner.RunAsync("render", path, "-o", Path.Combine(dir.Path, "out"));
        Assert.Equal(0, render.ExitCode);
        var files = Path.Combine(dir.Path, "out", "hk-gpu-01", "files");
        // Host files only: the network config would move the lab host's address.
        Directory.Delete(Path.Combine(files, "etc", "network"), recursive: true);

        Lab.Push("h1", files);
        Assert.Equal(0, Lab.Ssh("h1", "update-grub").ExitCode);
        Lab.Reboot("h1");

        var trap = Lab.Ssh("h1", "cat /proc/cmdline; readlink /sys/bus/pci/devices/0000:65:00.0/driver");
        Assert.Contains(" intel_iommu=on iommu=pt ", trap.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("/nouveau\n", trap.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, Lab.Ssh("h1", "update-initramfs -u -k all").ExitCode);
        Lab.Reboot("h1");

        var gpus = new[] { "65", "66", "b1", "b2" };
        foreach (var bus in gpus)
        {
            foreach (var function in new[] { "0", "1" })
            {
                var driver = Lab.Ssh("h1", $"readlink /sys/bus/pci/devices/0000:{bus}:00.{function}/driver");
                Assert.EndsWith("/vfio-pci\n", driver.Stdout, StringComparison.Ordinal);
            }
        }

        Assert.Equal("40\n41\n80\n81\nvfio\n", Lab.Ssh("h1", "ls /dev/vfio").Stdout);
        Assert.NotEqual(0, Lab.Ssh("h1", "test -d /sys/module/nouveau").ExitCode);
        Assert.EndsWith("/ixgbe\n", Lab.Ssh("h1", "readlink /sys/bus/pci/devices/0000:17:00.0/driver").Stdout, StringComparison.Ordinal);
        // The kernel arguments are there exactly once, however often update-grub ran.
        Lab.Ssh("h1", "update-grub");
        var cmdline = Lab.Ssh("h1", "grep -o 'linux .*' /boot/grub/grub.cfg").Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(cmdline.Length, cmdline.Distinct().Count());
        Assert.Equal(["update-grub /boot/grub/grub.cfg", "update-initramfs -u -k all", "update-grub /boot/grub/grub.cfg"],
            Lab.Ssh("h1", "cat /var/lib/lab/markers.log").Stdout.TrimEnd('\n').Split('\n'));
    }
}
