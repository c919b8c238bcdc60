using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Planning;
using Provisioner.Core.Text;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Planning;

public sealed class HostPlannerTests
{
    private static readonly IReadOnlyList<HostDesiredState> Fleet = Rendered.Hosts(Path.Combine(Repo.Fixtures, "fleet.yaml"));
    private static HostDesiredState Debian => Fleet.Single(h => h.Host.Name == "deb-amd-01");
    private static HostDesiredState El9 => Fleet.Single(h => h.Host.Name == "el9-amd-01");

    private static HostFacts Converged(HostDesiredState desired, string os = "debian", string version = "12") => HostFactsFor.Converged(desired, os, version);

    private static HostFacts Fresh(HostDesiredState desired) => HostFactsFor.Fresh(desired);

    [Fact]
    public void PlanHost_ConvergedHost_HasNothingToDo()
    {
        var plan = HostPlanner.PlanHost(Debian, Converged(Debian));

        Assert.False(plan.HasChanges);
        Assert.Empty(plan.Triggers);
        Assert.Null(plan.RebootReason);
        Assert.Empty(plan.Findings);
    }

    [Fact]
    public void PlanHost_FreshHost_CreatesEverythingAndRebootsForKernelArgsAndInitramfs()
    {
        var plan = HostPlanner.PlanHost(Debian, Fresh(Debian));

        Assert.All(plan.Changes.Where(c => c.Type == "file"), c => Assert.Equal(ChangeAction.Create, c.Action));
        var args = Assert.Single(plan.Changes, c => c.Type == "kernel-args");
        Assert.Equal("+amd_iommu=on +iommu=pt +vfio-pci.ids=" + string.Join(',', Debian.Vfio.Ids), args.Id);
        Assert.Contains("rebuild initramfs (update-initramfs -u -k all)", plan.Triggers);
        Assert.Contains("regenerate GRUB config (update-grub)", plan.Triggers);
        Assert.Contains("new kernel arguments", plan.RebootReason, StringComparison.Ordinal);
        Assert.Contains("rebuilt initramfs", plan.RebootReason, StringComparison.Ordinal);
        Assert.Single(plan.Changes, c => c.Type == "packages");
    }

    [Fact]
    public void PlanHost_ChangedFile_IsAnUpdateWithAUnifiedDiffAndFiresOnlyItsTrigger()
    {
        var facts = Converged(Debian);
        var vfio = facts.Files["/etc/modprobe.d/vfio.conf"];
        var edited = vfio with { Content = vfio.Content!.Replace("10de:1aef,", "", StringComparison.Ordinal), Sha256 = "different" };
        facts = facts with { Files = new Dictionary<string, FileFacts>(facts.Files) { ["/etc/modprobe.d/vfio.conf"] = edited } };

        var plan = HostPlanner.PlanHost(Debian, facts);

        var change = Assert.Single(plan.Changes, c => c.Action != ChangeAction.NoOp);
        Assert.Equal(ChangeAction.Update, change.Action);
        Assert.Contains("-options vfio-pci ids=10de:2231 disable_vga=1", change.Content, StringComparison.Ordinal);
        Assert.Contains("+options vfio-pci ids=10de:1aef,10de:2231 disable_vga=1", change.Content, StringComparison.Ordinal);
        Assert.Equal(["rebuild initramfs (update-initramfs -u -k all)"], plan.Triggers);
    }

    [Fact]
    public void PlanText_UpdatedFileWithDiff_PrintsTheUnifiedDiffAsIs()
    {
        var facts = Converged(Debian);
        var vfio = facts.Files["/etc/modprobe.d/vfio.conf"];
        facts = facts with { Files = new Dictionary<string, FileFacts>(facts.Files) { ["/etc/modprobe.d/vfio.conf"] = vfio with { Content = "options vfio-pci ids=10de:2231\n", Sha256 = "x" } } };
        var plan = new Plan(Plan.CurrentFormatVersion, "lab.yaml", false, [HostPlanner.PlanHost(Debian, facts)], []);
        using var text = new StringWriter();

        PlanTextWriter.Write(plan, text, showContent: true);

        var output = text.ToString();
        Assert.Contains("\n      --- /etc/modprobe.d/vfio.conf (on host)\n      +++ /etc/modprobe.d/vfio.conf (desired)\n      @@ -1,1 +1,8 @@\n      -options vfio-pci ids=10de:2231\n      +# Managed by Provisioner", output, StringComparison.Ordinal);
        Assert.DoesNotContain("+ -options", output, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanHost_ModeOnlyDiffers_IsAnUpdateWithoutDiff()
    {
        var facts = Converged(Debian);
        var path = "/etc/initramfs-tools/hooks/provision-vfio";
        facts = facts with { Files = new Dictionary<string, FileFacts>(facts.Files) { [path] = facts.Files[path] with { Mode = "0644" } } };

        var change = Assert.Single(HostPlanner.PlanHost(Debian, facts).Changes, c => c.Action != ChangeAction.NoOp);

        Assert.Contains("mode 0644 -> 0755", change.Reason, StringComparison.Ordinal);
        Assert.Null(change.Content);
    }

    [Fact]
    public void PlanHost_InitramfsOlderThanItsInputs_RebuildsAndReboots()
    {
        var facts = Converged(Debian) with { Initramfs = [new InitramfsFacts("/boot/initrd.img-6.1.0", 500)] };

        var plan = HostPlanner.PlanHost(Debian, facts);

        Assert.Equal(["rebuild initramfs (update-initramfs -u -k all)"], plan.Triggers);
        Assert.Contains(plan.Notes, n => n.Contains("initramfs is older than /etc/modprobe.d/vfio.conf", StringComparison.Ordinal));
        Assert.Contains("rebuilt initramfs", plan.RebootReason, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanHost_ServiceStopped_IsStartedWithTheCommandApplyRuns()
    {
        var desired = El9;
        var facts = Converged(desired, "rocky", "9.4") with { Services = [new ServiceFacts("libvirtd", "disabled", "inactive")] };

        var plan = HostPlanner.PlanHost(desired, facts);

        var change = Assert.Single(plan.Changes, c => c.Action != ChangeAction.NoOp);
        Assert.Equal(("service", "libvirtd"), (change.Type, change.Id));
        Assert.Equal("libvirtd is disabled/inactive: systemctl enable --now libvirtd", change.Reason);
        Assert.Null(plan.RebootReason);
    }

    [Fact]
    public void Preflight_FirmwareWithoutDmarOrIvrs_BlocksBeforeAnyChange()
    {
        var plan = HostPlanner.PlanHost(Debian, Fresh(Debian) with { FirmwareIommu = "none" });

        var finding = Assert.Single(plan.Findings, f => f.Blocks);
        Assert.StartsWith("the firmware has the IOMMU turned off", finding.Message, StringComparison.Ordinal);
        Assert.True(plan.Blocked);
    }

    [Fact]
    public void PlanHost_ArgsConfiguredButNotBooted_PlansOnlyTheReboot()
    {
        var facts = Converged(El9, "rocky", "9.4") with { Cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro" };

        var plan = HostPlanner.PlanHost(El9, facts);

        Assert.False(plan.HasChanges);
        Assert.StartsWith("kernel arguments configured but not active (+amd_iommu=on", plan.RebootReason, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanHost_DuplicatedArgOnTheCommandLine_IsNotAddedAgain()
    {
        var facts = Converged(Debian);
        var doubled = facts.Cmdline + " iommu=pt";
        facts = facts with { Cmdline = doubled, BootEntries = [new BootEntryFacts("/boot/grub/grub.cfg", doubled)] };

        Assert.DoesNotContain(HostPlanner.PlanHost(Debian, facts).Changes, c => c.Type == "kernel-args");
    }

    [Fact]
    public void Preflight_GpuGroupHoldsANic_Blocks()
    {
        var facts = Converged(Debian);
        facts = facts with { PciDevices = [.. facts.PciDevices, new PciDeviceFacts("0000:c2:00.0", "8086:1533", "020000", "igb", 10, 0)] };

        var finding = Assert.Single(HostPlanner.PlanHost(Debian, facts).Findings);

        Assert.True(finding.Blocks);
        Assert.Contains("IOMMU group 10 of GPU 0000:c1:00.0 also holds 0000:c2:00.0", finding.Message, StringComparison.Ordinal);
        Assert.Contains("pcie_acs_override", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Preflight_BridgeInTheGroup_IsFine()
    {
        var facts = Converged(Debian);
        facts = facts with { PciDevices = [.. facts.PciDevices, new PciDeviceFacts("0000:c0:01.1", "1022:1483", "060400", "pcieport", 10, 0)] };

        Assert.Empty(HostPlanner.PlanHost(Debian, facts).Findings);
    }

    [Fact]
    public void Preflight_AudioFunctionLeftOut_BlocksAndNamesTheFunctionToAdd()
    {
        var oneFunction = Fleet.Single(h => h.Host.Name == "ubu-intel-01");
        var facts = Converged(oneFunction, "ubuntu", "22.04");
        facts = facts with { PciDevices = [.. facts.PciDevices, new PciDeviceFacts("0000:17:00.2", "10de:1aef", "040300", "snd_hda_intel", 10, 0)] };

        var finding = Assert.Single(HostPlanner.PlanHost(oneFunction, facts).Findings);

        Assert.True(finding.Blocks);
        Assert.StartsWith("add function 2 (id 10de:1aef)", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Preflight_MissingGpuAndWrongId_Block()
    {
        var facts = Converged(Debian);
        facts = facts with { PciDevices = [facts.PciDevices[0] with { VendorDevice = "10de:2204" }] };

        var findings = HostPlanner.PlanHost(Debian, facts).Findings;

        Assert.Contains(findings, f => f.Blocks && f.Message == "0000:c1:00.0 is 10de:2204, not the expected 10de:2231");
        Assert.Contains(findings, f => f.Blocks && f.Message.StartsWith("GPU function 0000:c1:00.1", StringComparison.Ordinal));
    }

    [Fact]
    public void Preflight_IommuOnInCmdlineButNoGroups_BlocksWithFirmwareFix()
    {
        var facts = Converged(Debian);
        facts = facts with { PciDevices = [.. facts.PciDevices.Select(d => d with { IommuGroup = null, Driver = "nouveau" })] };

        var finding = Assert.Single(HostPlanner.PlanHost(Debian, facts).Findings, f => f.Blocks);

        Assert.Contains("no IOMMU groups", finding.Message, StringComparison.Ordinal);
        Assert.Contains("firmware", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanHost_InventorySaysAnotherOs_Blocks()
    {
        var finding = Assert.Single(HostPlanner.PlanHost(Debian, Converged(Debian, "rocky", "9.4")).Findings);

        Assert.True(finding.Blocks);
        Assert.Equal("set os: el9 (or os: auto) for this host", finding.Fix);
    }
}
