using System.Text.Json;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Planning;
using Provisioner.Core.Templates;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Apply;
using Provisioner.Remote.Sessions;
using Provisioner.Remote.Ssh;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// `provision apply` against the lab's real sshd hosts, end to end through the CLI: a fresh
/// fleet brought up and verified, a second apply that does nothing, failure profiles blocked
/// before any change, the host lock, confirmation, saved plans, and the connection cut at every
/// step boundary of a host's apply. These hosts have no libvirt: their VMs are left out
/// (--no-vms); VmApplyTests creates VMs on a host that has one.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class ApplyTests(Lab lab)
{
    private readonly Lab _lab = lab;

    private static string Inventory(TempDirectory dir, params string[] hosts) => LabInventory.Write(dir, hosts);

    private static string InventoryAs(string user, TempDirectory dir, params string[] hosts) => LabInventory.Write(dir, hosts, user);

    private static string Markers(string host) => Lab.Ssh(host, "cat /var/lib/lab/markers.log").Stdout;

    private static string BootId(string host) => Lab.Ssh(host, "cat /proc/sys/kernel/random/boot_id").Stdout.Trim();

    [Fact]
    public async Task Apply_FreshFleet_BringsUpEveryHostRollingAndASecondApplyDoesNothing()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h8", "h9");
        var log = Path.Combine(dir.Path, "apply.jsonl");

        var first = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--yes", "--max-unavailable", "1", "--reboot-timeout", "60", "--log-file", log);

        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.EndsWith("2 applied, 0 unchanged, 0 blocked, 0 failed.\n", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("h9 verified: post-conditions hold", first.Stderr, StringComparison.Ordinal);
        // Every GPU function on vfio-pci, as the lab's kernel bound them at the new boot.
        Assert.Equal("8\n", Lab.Ssh("h8", "lspci -Dnnk | grep -c 'Kernel driver in use: vfio-pci'").Stdout);
        Assert.Equal("16\n", Lab.Ssh("h9", "lspci -Dnnk | grep -c 'Kernel driver in use: vfio-pci'").Stdout);
        Assert.Contains("amd_iommu=on", Lab.Ssh("h9", "cat /proc/cmdline").Stdout, StringComparison.Ordinal);
        // Rolling: with --max-unavailable 1 one host was back and verified before the other went down.
        var events = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("Step", out _)).Select(e => (Host: e.GetProperty("Host").GetString()!, Step: e.GetProperty("Step").GetString()!)).ToList();
        var firstDown = events.FindIndex(e => e.Step == "Rebooting");
        var rebootedFirst = events[firstDown].Host;
        var otherDown = events.FindIndex(e => e.Step == "Rebooting" && e.Host != rebootedFirst);
        var firstVerified = events.FindIndex(e => e.Step == "Verified" && e.Host == rebootedFirst);
        Assert.InRange(firstVerified, firstDown + 1, otherDown - 1);

        var markers = (Markers("h8"), Markers("h9"));
        var boots = (BootId("h8"), BootId("h9"));
        var counts = Lab.SshdCounts("h8");
        var second = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--detailed-exitcode");
        var after = Lab.SshdCounts("h8");

        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.Contains("Plan: 2 host(s), 0 to create, 0 to change, 0 to destroy; 0 reboot(s).", second.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("0 applied, 2 unchanged, 0 blocked, 0 failed.\n", second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Only 'yes'", second.Stderr, StringComparison.Ordinal); // nothing to confirm
        Assert.Equal(markers, (Markers("h8"), Markers("h9"))); // no trigger ran, nothing rebooted
        Assert.Equal(boots, (BootId("h8"), BootId("h9")));
        Assert.Equal((counts.Logins + 1, counts.Sessions + 1), after); // one connection, one command: the probe
    }

    /// <summary>The qemu-machine check of one host, from `check --json`.</summary>
    private static async Task<(string Status, string Details)> QemuCheck(string inventory, string host)
    {
        var result = await CliRunner.RunAsync("check", inventory, "--json", "--limit", host);
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var check = json.RootElement.GetProperty("hosts")[0].GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "qemu-machine");
        return (check.GetProperty("status").GetString()!, string.Join("; ", check.GetProperty("details").EnumerateArray().Select(d => d.GetString())));
    }

    // The hugepages trigger as the lab's systemctl records it.
    private const string ReserveHugepages = "systemctl daemon-reload\nsystemctl enable provision-hugepages.service\nsystemctl restart provision-hugepages.service\n";

    [Fact]
    public async Task Apply_ElHosts_RunTheElCommandsAndConverge()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h13", "h14");
        // Stock CentOS 7's qemu-kvm 1.5.3: no q35, no SMM for EL7's secure-boot OVMF.
        Assert.Equal(("fail", "QEMU 1.5.3 (/usr/libexec/qemu-kvm) has no q35 machine type, which every worker domain uses; "
            + "/usr/share/OVMF/OVMF_CODE.secboot.fd is a secure-boot OVMF build, which stops without SMM, and QEMU 1.5.3 (/usr/libexec/qemu-kvm) has none (QEMU 2.4 added it)"),
            await QemuCheck(inventory, "h14"));

        var first = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--yes", "--max-unavailable", "2", "--reboot-timeout", "60");

        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Contains("host h13 (el9)", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("host h14 (el7)", first.Stdout, StringComparison.Ordinal);
        var args = "intel_iommu=on iommu=pt vfio-pci.ids=10de:1aef,10de:2231 rd.driver.pre=vfio-pci rd.driver.blacklist=nouveau default_hugepagesz=1G hugepagesz=1G";
        Assert.Equal(
            "dnf install qemu-kvm libvirt edk2-ovmf xorriso qemu-img pciutils\n"
            + "grubby --update-kernel=ALL --remove-args=intel_iommu=off iommu=off intel_iommu intel-iommu iommu vfio-pci.ids vfio_pci.ids default_hugepagesz default-hugepagesz hugepagesz hugepages\n"
            + $"grubby --update-kernel=ALL --args={args}\n"
            + "dracut -f --regenerate-all\n" + ReserveHugepages, Markers("h13"));
        // The Virt SIG's repository first, then qemu-kvm-ev from it; the initramfs of the kernel that boots next.
        Assert.Equal("yum install centos-release-qemu-ev\nyum install qemu-kvm-ev libvirt OVMF genisoimage qemu-img pciutils\ngrub2-mkconfig /boot/grub2/grub.cfg\n"
            + $"dracut -f --kver {Lab.Ssh("h14", "uname -r").Stdout.Trim()}\n" + ReserveHugepages, Markers("h14"));
        Assert.Equal($"GRUB_CMDLINE_LINUX=\"{args}\"\n", Lab.Ssh("h14", "grep ^GRUB_CMDLINE_LINUX= /etc/default/grub").Stdout);
        foreach (var host in new[] { "h13", "h14" })
        {
            Assert.Contains(args, Lab.Ssh(host, "cat /proc/cmdline").Stdout, StringComparison.Ordinal);
            Assert.Equal("8\n", Lab.Ssh(host, "lspci -Dnnk | grep -c 'Kernel driver in use: vfio-pci'").Stdout);
        }

        // The Virt SIG's qemu-kvm-ev replaced it; Rocky 9's QEMU has q35 (its OVMF is not a secure-boot build).
        Assert.Equal(("pass", "QEMU 2.12.0 (/usr/libexec/qemu-kvm) has q35 and SMM for the secure-boot OVMF"), await QemuCheck(inventory, "h14"));
        var rocky = await QemuCheck(inventory, "h13");
        Assert.True(rocky.Status == "pass" && rocky.Details.EndsWith("(/usr/libexec/qemu-kvm) has q35", StringComparison.Ordinal), rocky.ToString());

        var markers = (Markers("h13"), Markers("h14"));
        var second = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--detailed-exitcode");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.EndsWith("0 applied, 2 unchanged, 0 blocked, 0 failed.\n", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(markers, (Markers("h13"), Markers("h14")));
    }

    [Fact]
    public async Task Apply_AsNonRootUser_ChangesTheHostThroughSudo()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("apply", "--no-vms", InventoryAs("deploy", dir, "h12"), "--yes", "--reboot-timeout", "60");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.EndsWith("1 applied, 0 unchanged, 0 blocked, 0 failed.\n", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("root root 644\n", Lab.Ssh("h12", "stat -c '%U %G %a' /etc/modprobe.d/vfio.conf").Stdout);
        Assert.Equal("8\n", Lab.Ssh("h12", "lspci -Dnnk | grep -c 'Kernel driver in use: vfio-pci'").Stdout);
        Assert.Contains("Accepted publickey for deploy", File.ReadAllText(Path.Combine(Lab.Root, "hosts", "h12", "supervisor.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_HostThatNeverComesBackFromItsReboot_TimesOutAloneWhileTheOtherFinishes()
    {
        // h16 hangs at boot: its reboot takes it down and it does not return.
        Lab.Ssh("h16", "printf '#!/bin/sh\\n( sleep 1; kill -TERM 1 ) >/dev/null 2>&1 &\\n' > /usr/sbin/reboot");
        using var dir = new TempDirectory();
        try
        {
            var result = await CliRunner.RunAsync("apply", "--no-vms", Inventory(dir, "h16", "h17"), "--yes", "--max-unavailable", "2", "--reboot-timeout", "5");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("h16: did not come back from its reboot within 5 s", result.Stdout, StringComparison.Ordinal);
            Assert.EndsWith("1 applied, 0 unchanged, 0 blocked, 1 failed.\n", result.Stdout, StringComparison.Ordinal);
            Assert.Equal("8\n", Lab.Ssh("h17", "lspci -Dnnk | grep -c 'Kernel driver in use: vfio-pci'").Stdout);
        }
        finally
        {
            Lab.Run("up", "16"); // bring it back (host-init restores the reboot stub)
        }
    }

    [Fact]
    public async Task Apply_FailureProfiles_AreBlockedWithAClearMessageAndNothingChanges()
    {
        // The NIC sharing the GPU's group shows once the IOMMU is on (as after an earlier apply);
        // the IOMMU turned off in firmware shows in the ACPI tables even before.
        Lab.BootWithCmdline("h3", "intel_iommu=on");
        var before = (Markers("h3"), Markers("h4"), BootId("h3"), BootId("h4"));
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("apply", "--no-vms", Inventory(dir, "h3", "h4"), "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("x BLOCKED: IOMMU group 1 of GPU 0000:01:00.0 also holds 0000:02:00.0 (8086:1533, class 020000)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("x BLOCKED: the firmware has the IOMMU turned off (no DMAR or IVRS ACPI table)", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("0 applied, 0 unchanged, 2 blocked, 0 failed.\n", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, (Markers("h3"), Markers("h4"), BootId("h3"), BootId("h4")));
        foreach (var host in new[] { "h3", "h4" })
        {
            Assert.Equal("", Lab.Ssh(host, "ls /etc/modprobe.d/vfio.conf /var/lib/provision/lock 2>/dev/null").Stdout);
        }
    }

    [Fact]
    public async Task Apply_ConfirmationLockAndSavedPlans_GuardTheHost()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h11");

        // Anything but "yes", or no input at all, changes nothing.
        var declined = await CliRunner.RunWithInputAsync("no\n", "apply", "--no-vms", inventory);
        var noInput = await CliRunner.RunWithInputAsync(null, "apply", "--no-vms", inventory);
        Assert.Equal(1, declined.ExitCode);
        Assert.Contains("Apply these changes to 1 host(s)? Only 'yes' will be accepted:", declined.Stderr, StringComparison.Ordinal);
        Assert.Contains("Apply cancelled: nothing was changed.", declined.Stderr, StringComparison.Ordinal);
        Assert.Contains("no input to confirm from: pass --yes", noInput.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, Lab.Ssh("h11", "test -e /etc/modprobe.d/vfio.conf").ExitCode);

        // Another apply holds the lock (its connection alive): this one is refused, nothing written.
        using (var other = await SshConnection.ConnectAsync(Lab.Target("h11"), TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            await HostLock.AcquireAsync(other, "run-other", "ops@elsewhere", sudo: false, TimeSpan.FromSeconds(10), CancellationToken.None);
            var locked = await CliRunner.RunWithInputAsync("yes\n", "apply", "--no-vms", inventory);
            await HostLock.ReleaseAsync(other, "run-other", sudo: false, TimeSpan.FromSeconds(10), CancellationToken.None);

            Assert.Equal(1, locked.ExitCode);
            Assert.Contains("h11: another apply holds the host lock: run run-other by ops@elsewhere", locked.Stdout, StringComparison.Ordinal);
            Assert.NotEqual(0, Lab.Ssh("h11", "test -e /etc/modprobe.d/vfio.conf").ExitCode);
        }

        // A saved plan is refused once the host's facts moved, and applied as saved otherwise.
        var planFile = Path.Combine(dir.Path, "plan.json");
        Assert.Equal(2, (await CliRunner.RunAsync("plan", "--no-vms", inventory, "-out", planFile, "--detailed-exitcode")).ExitCode);
        Assert.Contains("\"facts\": \"sha256:", File.ReadAllText(planFile), StringComparison.Ordinal);
        Lab.Ssh("h11", "mkdir -p /etc/modprobe.d && echo 'options vfio-pci ids=10de:2231' > /etc/modprobe.d/vfio.conf");
        var drifted = await CliRunner.RunAsync("apply", "--no-vms", planFile);
        Assert.Equal(1, drifted.ExitCode);
        Assert.Contains("h11: saved plan refused: its facts changed since the plan was saved", drifted.Stdout, StringComparison.Ordinal);
        Assert.Equal("options vfio-pci ids=10de:2231\n", Lab.Ssh("h11", "cat /etc/modprobe.d/vfio.conf").Stdout);

        Assert.Equal(2, (await CliRunner.RunAsync("plan", "--no-vms", inventory, "-out", planFile, "--detailed-exitcode")).ExitCode);
        var applied = await CliRunner.RunWithInputAsync(null, "apply", "--no-vms", planFile, "--detailed-exitcode");
        Assert.True(applied.ExitCode == 2, applied.Stdout + applied.Stderr);
        Assert.EndsWith("1 applied, 0 unchanged, 0 blocked, 0 failed.\n", applied.Stdout, StringComparison.Ordinal);
        // The file the plan replaced was backed up under the run.
        Assert.Equal("options vfio-pci ids=10de:2231\n", Lab.Ssh("h11", "cat /var/lib/provision/backups/*/etc/modprobe.d/vfio.conf").Stdout);

        var offline = Path.Combine(dir.Path, "offline.json");
        await CliRunner.RunAsync("plan", "--no-vms", inventory, "--offline", "-out", offline);
        var refusedOffline = await CliRunner.RunAsync("apply", "--no-vms", offline);
        Assert.Equal(1, refusedOffline.ExitCode);
        Assert.Contains("is an offline plan (every host assumed empty): it cannot be applied", refusedOffline.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ConnectionCutAtEveryStepBoundary_NeverLeavesAHalfWrittenFileAndARerunConverges()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory(dir, "h10");
        var load = InventoryLoader.LoadFile(inventory);
        var host = load.Inventory!.Hosts.Single();
        using var templates = new TemplateLibrary(Repo.Templates);
        var options = new SessionOptions(1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), "/root", WithVms: false);

        foreach (var step in new[] { ApplyStep.Locked, ApplyStep.FilesWritten, ApplyStep.TriggersRan, ApplyStep.Rebooting, ApplyStep.Rebooted, ApplyStep.Verified })
        {
            // Work to do each round: managed files hold old content (so they are backed up), the next boot lacks the IOMMU.
            Lab.Ssh("h10", "mkdir -p /etc/modprobe.d /etc/default/grub.d && echo '# old' > /etc/modprobe.d/vfio.conf && echo '# old' > /etc/default/grub.d/90-provision.cfg && update-grub >/dev/null");

            var cut = await ApplyOnceAsync(host, templates, options, $"cut-{step}", step);
            Assert.True(cut.Status == HostStatus.Failed, $"{step}: {cut}");
            Assert.Contains("connection", cut.Error, StringComparison.OrdinalIgnoreCase);

            // Every managed file is the old or the new version, whole; the old one is backed up once written.
            var desired = (await SessionAsync(host, templates, options)).Desired;
            foreach (var file in desired.Files)
            {
                var content = Lab.Ssh("h10", $"cat {file.Path} 2>/dev/null").Stdout;
                Assert.True(content == file.Content || content == "# old\n" || content == "", $"{step}: {file.Path} is neither old nor new:\n{content}");
            }

            if (step >= ApplyStep.FilesWritten)
            {
                Assert.Equal("# old\n", Lab.Ssh("h10", $"cat /var/lib/provision/backups/cut-{step}/etc/modprobe.d/vfio.conf").Stdout);
            }

            // Re-running converges: the stale lock is taken over, the host ends verified.
            var rerun = await ApplyOnceAsync(host, templates, options, $"rerun-{step}", null);
            Assert.True(rerun.Status is HostStatus.Applied or HostStatus.Unchanged, $"{step}: re-run {rerun}");
            var check = await SessionAsync(host, templates, options);
            Assert.False(check.Plan.HasWork, $"{step}: still work after the re-run");
            Assert.Empty(Verifier.Verify(check.Desired, check.Facts));
        }
    }

    private static async Task<HostSession> SessionAsync(Core.Inventory.Model.Host host, TemplateLibrary templates, SessionOptions options)
    {
        using var session = await HostSession.OpenAsync(host, templates, options, CancellationToken.None);
        return session;
    }

    private static async Task<HostOutcome> ApplyOnceAsync(Core.Inventory.Model.Host host, TemplateLibrary templates, SessionOptions options, string run, ApplyStep? cutAt)
    {
        using var session = await HostSession.OpenAsync(host, templates, options, CancellationToken.None);
        var apply = new ApplyOptions(run, "test@lab", 1, 1, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        var outcomes = await new ApplyRunner(apply, TimeProvider.System, new CutAt("h10", cutAt), Serilog.Core.Logger.None).ExecuteAsync([session], CancellationToken.None);
        return outcomes.Single();
    }

    /// <summary>Cuts the host's connections the moment its apply passes one step.</summary>
    private sealed class CutAt(string host, ApplyStep? step) : IApplyObserver
    {
        public void Passed(string name, ApplyStep passed, string detail)
        {
            if (passed == step)
            {
                Lab.Cut(host);
            }
        }

        public void Warning(string name, string message)
        {
        }
    }
}
