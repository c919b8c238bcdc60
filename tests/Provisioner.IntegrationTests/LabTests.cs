using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// The lab itself: real sshd hosts that behave like GPU servers where it matters (IOMMU groups,
/// driver binding decided at boot from the cmdline and the initramfs) and can never change the
/// real machine. Later stages' apply tests stand on these guarantees.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class LabTests(Lab lab)
{
    private readonly Lab _lab = lab;

    [Fact]
    public void Hosts_AnswerOverSshWithStrictHostKeyChecking()
    {
        foreach (var (host, _, _) in Lab.Hosts)
        {
            var result = Lab.Ssh(host, "hostname; cat /proc/1/comm");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal($"{host}\nsshd\n", result.Stdout);
        }
    }

    [Fact]
    public void Ssh_WithAnotherHostsKeyOnRecord_IsRefused()
    {
        using var dir = new TempDirectory();
        // Record h2's key under h1's address: exactly what a re-installed or impostor host looks like.
        var h2Key = File.ReadAllLines(Lab.KnownHosts).First(l => l.StartsWith(Lab.Address("h2") + " ", StringComparison.Ordinal));
        var wrong = dir.File("known_hosts", Lab.Address("h1") + h2Key[h2Key.IndexOf(' ', StringComparison.Ordinal)..] + "\n");

        var result = Lab.Ssh("h1", "true", wrong);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_CannotChangeTheRealMachine()
    {
        var result = Lab.Ssh("h5", "echo 1 > /proc/sys/vm/nr_hugepages; echo sysctl=$?; date -s 2000-01-01 >/dev/null 2>&1; echo date=$?; "
                                   + "touch /sys/x 2>/dev/null; echo sys=$?; grep CapBnd /proc/1/status");

        Assert.Contains("sysctl=1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("date=1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("sys=1", result.Stdout, StringComparison.Ordinal);
        var bounding = Convert.ToUInt64(result.Stdout.Split("CapBnd:")[1].Trim(), 16);
        foreach (var capability in new[] { 16 /* SYS_MODULE */, 21 /* SYS_ADMIN */, 22 /* SYS_BOOT */, 25 /* SYS_TIME */, 12 /* NET_ADMIN */ })
        {
            Assert.Equal(0UL, bounding & (1UL << capability));
        }
    }

    [Fact]
    public void Reboot_ComesBackWithANewBootIdOnTheSameDisk()
    {
        Lab.Ssh("h2", "echo kept > /root/marker");
        var before = Lab.Ssh("h2", "cat /proc/sys/kernel/random/boot_id").Stdout.Trim();

        var after = Lab.Reboot("h2");

        Assert.NotEqual(before, after);
        Assert.Equal("kept\n", Lab.Ssh("h2", "cat /root/marker").Stdout);
    }

    [Fact]
    public void Profiles_ExposePciDevicesAndIommuGroupsAsTheKernelWould()
    {
        var gpu = Lab.Ssh("h5", "lspci -Dnn -s 0000:65:00.0; cat /sys/bus/pci/devices/0000:65:00.0/numa_node; readlink /sys/bus/pci/devices/0000:b1:00.0/driver");
        Assert.Contains("[10de:2231]", gpu.Stdout, StringComparison.Ordinal);
        Assert.Contains("\n0\n", gpu.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("/nouveau\n", gpu.Stdout, StringComparison.Ordinal);

        // Fresh host, IOMMU not on the cmdline yet: no groups, no /dev/vfio.
        Assert.Equal("0\n", Lab.Ssh("h5", "ls /sys/kernel/iommu_groups | wc -l").Stdout);
        Assert.NotEqual(0, Lab.Ssh("h5", "test -e /dev/vfio").ExitCode);

        var epyc = Lab.Ssh("h2", "lspci -nn | grep -c 10de:2231");
        Assert.Equal("8\n", epyc.Stdout);
    }

    [Fact]
    public void GpuSharingItsGroupWithANic_ShowsTheNicInTheGroup()
    {
        Lab.BootWithCmdline("h3", "intel_iommu=on");

        var group = Lab.Ssh("h3", "ls /sys/bus/pci/devices/0000:01:00.0/iommu_group/devices/");

        Assert.Equal("0000:01:00.0\n0000:01:00.1\n0000:02:00.0\n", group.Stdout);
    }

    [Fact]
    public void IommuOffInFirmware_NoGroupsWhateverTheCmdlineSays()
    {
        Lab.BootWithCmdline("h4", "intel_iommu=on iommu=pt");

        var result = Lab.Ssh("h4", "cat /proc/cmdline; ls /sys/kernel/iommu_groups | wc -l");

        Assert.Contains("intel_iommu=on", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("\n0\n", result.Stdout, StringComparison.Ordinal);
    }
}
