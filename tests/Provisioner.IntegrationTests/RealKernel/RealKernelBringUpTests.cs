using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.RealKernel;

/// <summary>
/// The one test in which nothing is emulated by us: `provision apply` brings up a Debian host under
/// QEMU (tests/qemu-host) exactly as it would a GPU server, and the kernel itself reports the result.
/// GRUB, update-initramfs, the kernel's IOMMU, vfio-pci and libvirt's hostdev handling are the real
/// code paths. Stand-in GPUs: the edu device (1234:11e8, no host driver: bound from bare) and an
/// e1000e (8086:10d3) that its host driver holds until the early rebind in the initramfs
/// (driver_override + unbind + drivers_probe, no softdep) gives it to vfio-pci by address. The
/// image boots with intel_iommu=off, so IOMMU groups appearing proves our kernel arguments did it.
/// Slow (software emulation, ~5 min plus the image build once): its own category, run by tests/test.sh
/// after the fast suite.
/// </summary>
[Trait("Category", "RealKernel")]
public sealed class RealKernelBringUpTests(ITestOutputHelper output)
{
    private const string Edu = "0000:00:10.0";
    private const string Nic = "0000:00:11.0";
    private static readonly string[] Vms = ["qemu-host-gpu0", "qemu-host-gpu1"];

    /// <summary>
    /// A run on which the emulated machine wedged (<see cref="QemuHost.EmulatorStalled"/>) says nothing
    /// about the tool, so the scenario starts over once on a fresh overlay, said in the test output.
    /// A second wedge fails the test, as does any failure on a machine that did not wedge.
    /// </summary>
    [Fact]
    public async Task Apply_FromBare_RebootsIntoVfioPci_StartsTheWorkerVmsHoldingTheDevices_SecondApplyChangesNothing()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        for (var attempt = 1; ; attempt++)
        {
            var stalled = await RunOnceAsync(attempt == 2, timeout.Token);
            if (stalled is null)
            {
                return;
            }

            output.WriteLine($"attempt {attempt}: the emulated machine's kernel wedged; console:\n{stalled}");
            Assert.True(attempt < 2, $"the emulated machine wedged twice; last console:\n{stalled}");
        }
    }

    /// <summary>The whole scenario on a fresh host: null when it passed, the console's tail when the emulated machine wedged.</summary>
    private static async Task<string?> RunOnceAsync(bool last, CancellationToken timeout)
    {
        using var www = new TempDirectory();
        // The VMs' base image (1 MiB of zeros: the nested guests need not boot an OS), served from this machine.
        File.WriteAllBytes(Path.Combine(www.Path, "blank.img"), new byte[1 << 20]);
        using var http = await LocalHttpServer.StartAsync(www.Path);
        using var host = await QemuHost.StartAsync(TimeSpan.FromMinutes(6), timeout);
        try
        {
            await ScenarioAsync(host, Inventory(www, host.Port, http.Port), timeout);
            return null;
        }
        catch (Exception) when (!last && host.EmulatorStalled)
        {
            return QemuHost.Tail(host.Console, 30);
        }
    }

    private static async Task ScenarioAsync(QemuHost host, string inventory, CancellationToken timeout)
    {

        // Bare: the image's own kernel arguments, no IOMMU groups, e1000e holding its NIC.
        Assert.Contains(" intel_iommu=off", host.Read("cat /proc/cmdline"), StringComparison.Ordinal);
        Assert.Equal("0", host.Read("ls /sys/kernel/iommu_groups | wc -l").Trim());
        Assert.Equal("", Driver(host, Edu));
        Assert.Equal("e1000e", Driver(host, Nic));
        var bootBefore = host.Read("cat /proc/sys/kernel/random/boot_id").Trim();

        var bare = await CliRunner.RunAsync("check", inventory);
        Assert.True(bare.ExitCode == 1, bare.Stdout + bare.Stderr);
        Assert.Contains("the running kernel still has intel_iommu=off", bare.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{Nic} is held by the host driver e1000e", bare.Stdout, StringComparison.Ordinal);
        Assert.Contains("the running kernel created no IOMMU groups", bare.Stdout, StringComparison.Ordinal);

        // The apply waits up to 15 min for the reboot; a wedged machine ends it at once instead.
        using var wedged = CancellationTokenSource.CreateLinkedTokenSource(timeout);
        using var watching = new CancellationTokenSource();
        var watch = host.CancelOnStallAsync(wedged, watching.Token);
        var apply = await CliRunner.RunAsync(wedged.Token, "apply", inventory, "--yes", "--reboot-timeout", "900");
        await watching.CancelAsync();
        await watch;
        Assert.True(apply.ExitCode == 0, $"{apply.Stdout}{apply.Stderr}\nconsole:\n{QemuHost.Tail(host.Console, 60)}");
        Assert.EndsWith("1 applied, 0 unchanged, 0 blocked, 0 failed.\n", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("qemu-host triggers ran: RegenerateGrub, RebuildInitramfs, ReserveHugepages", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("qemu-host back up: new boot_id", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("qemu-host VMs: 2 VM(s) running with autostart (2 changed)", apply.Stderr, StringComparison.Ordinal);

        // The kernel's word: a new boot, each argument once and the old intel_iommu=off gone, groups, vfio-pci.
        Assert.NotEqual(bootBefore, host.Read("cat /proc/sys/kernel/random/boot_id").Trim());
        var args = host.Read("cat /proc/cmdline").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(args, a => a == "intel_iommu=on");
        Assert.Single(args, a => a == "iommu=pt");
        Assert.DoesNotContain("intel_iommu=off", args);
        Assert.True(int.Parse(host.Read("ls /sys/kernel/iommu_groups | wc -l").Trim(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains("vfio_pci", host.Read("lsinitramfs /boot/initrd.img-$(uname -r) | grep -o 'vfio[-_]pci[^/]*ko[^/]*$' | tr - _"), StringComparison.Ordinal);
        foreach (var (device, vm) in new[] { (Edu, Vms[0]), (Nic, Vms[1]) })
        {
            Assert.Equal("vfio-pci", Driver(host, device));
            var group = host.Read($"basename \"$(readlink /sys/bus/pci/devices/{device}/iommu_group)\"").Trim();
            Assert.Equal("ok", host.Read($"test -c /dev/vfio/{group} && echo ok").Trim());

            // The worker VM (defined and started by apply through our libvirt binding): running, the
            // device as its hostdev, and its QEMU holding the device's VFIO group open.
            Assert.Equal("running", host.Read($"virsh -c qemu:///system domstate {vm}").Trim());
            Assert.Equal("enable", host.Read($"virsh -c qemu:///system dominfo {vm} | sed -n 's/^Autostart: *//p'").Trim());
            var xml = host.Read($"virsh -c qemu:///system dumpxml {vm}");
            Assert.Contains($"<address domain='0x0000' bus='0x00' slot='0x{device[8..10]}' function='0x0'/>", xml, StringComparison.Ordinal);
            Assert.Contains($"/dev/vfio/{group}", host.Read($"ls -l /proc/$(cat /run/libvirt/qemu/{vm}.pid)/fd"), StringComparison.Ordinal);
        }

        // Hugepages: the real systemd ran provision-hugepages.service at boot and the real kernel
        // reserved the edu VM's 64 pages of 2 MiB on its one node; that VM runs on them.
        Assert.Equal("active", host.Read("systemctl is-active provision-hugepages.service").Trim());
        Assert.Contains("provision-hugepages: node 0 has 64 pages of 2M", host.Read("journalctl -b -u provision-hugepages.service --no-pager"), StringComparison.Ordinal);
        Assert.Equal("64", host.Read("cat /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages").Trim());
        Assert.Contains("<hugepages>", host.Read($"virsh -c qemu:///system dumpxml {Vms[0]}"), StringComparison.Ordinal);
        Assert.Contains("/dev/hugepages/", host.Read($"cat /proc/$(cat /run/libvirt/qemu/{Vms[0]}.pid)/maps"), StringComparison.Ordinal);

        // The whole checklist passes on the brought-up host; a second apply has nothing to do.
        var check = await CliRunner.RunAsync("check", inventory, "--strict");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Contains("  pass     vfio-bound              2 functions on vfio-pci", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("  pass     kernel-cmdline          intel_iommu=on iommu=pt vfio-pci.ids=1234:11e8,8086:10d3: each exactly once", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("scripts/init-top/provision-vfio-bind", host.Read("lsinitramfs /boot/initrd.img-$(uname -r)"), StringComparison.Ordinal);
        Assert.Equal("vfio-pci", host.Read($"cat /sys/bus/pci/devices/{Nic}/driver_override").Trim());

        var second = await CliRunner.RunAsync("apply", inventory, "--detailed-exitcode");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", second.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The driver bound to a PCI function, "" for none: sysfs, as the kernel says it.</summary>
    private static string Driver(QemuHost host, string device) =>
        host.Read($"[ -e /sys/bus/pci/devices/{device}/driver ] && basename \"$(readlink /sys/bus/pci/devices/{device}/driver)\" || true").Trim();

    /// <summary>inventories/lab-qemu.yaml as shipped, with this run's SSH port and image server port.</summary>
    private static string Inventory(TempDirectory dir, int sshPort, int httpPort)
    {
        var shipped = File.ReadAllText(Repo.Path("inventories", "lab-qemu.yaml"));
        Assert.Contains("    port: 2222\n", shipped, StringComparison.Ordinal);
        Assert.Contains("http://10.0.2.2:8099/blank.img", shipped, StringComparison.Ordinal);
        return dir.File("lab-qemu.yaml", shipped
            .Replace("    port: 2222\n", $"    port: {sshPort}\n", StringComparison.Ordinal)
            .Replace("http://10.0.2.2:8099/", $"http://10.0.2.2:{httpPort}/", StringComparison.Ordinal));
    }
}
