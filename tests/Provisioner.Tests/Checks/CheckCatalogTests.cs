using System.Text;
using Provisioner.Core.Checks;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Checks;

/// <summary>The check catalogue on hand-made facts of the example host (EL7, 4x A5000 with audio, 24 GiB VMs on 1 GiB pages).</summary>
public sealed class CheckCatalogTests
{
    private static readonly HostDesiredState Host = Rendered.Hosts(Repo.Path("inventories", "example.yaml"))[0];

    private static readonly int[] Nodes = [0, 1];

    /// <summary>A brought-up host: every function on vfio-pci, IOMMU and IR on, pages free on both nodes, VMs running.</summary>
    private static HostFacts Healthy()
    {
        var devices = Host.Host.Gpus.SelectMany(g => g.Functions.Select(f =>
            new PciDeviceFacts(f.Address.ToString(), f.Id!.ToString(), f.Address.Function == 0 ? "030000" : "040300", "vfio-pci", 40 + g.Index, g.Index < 2 ? 0 : 1))).ToList();
        var nodes = Nodes.Select(n => new NumaNodeFacts(n, 128L << 20, 0, 0, 48, 48) { Cpus = n == 0 ? "0-15" : "16-31" }).ToList();
        var domains = Host.Vms.Select(v => new DomainFacts(v.Vm.Name, v.Vm.Uuid, "running", true, v.Domain.Xml)).ToList();
        return new HostFacts("hk-gpu-01", new Dictionary<string, string> { ["ID"] = "centos", ["VERSION_ID"] = "7" }, "3.10.0", "b",
            "BOOT_IMAGE=/vmlinuz ro " + string.Join(' ', Host.KernelArgs.Add), new Dictionary<string, FileFacts>(), devices, nodes, ["vfio", "vfio_pci"], [],
            [new InitramfsFacts("/boot/initramfs-3.10.0.img", 2000)], [], [40, 41, 42, 43])
        {
            FirmwareIommu = "DMAR",
            Cpu = new CpuFacts("GenuineIntel", "Xeon", 32, "vmx"),
            InterruptRemapping = true,
            Listeners = [new ListenerFacts("0.0.0.0", 22), new ListenerFacts("127.0.0.1", 5900)],
            LibvirtSocket = "/var/run/libvirt/libvirt-sock",
            Bars = devices.Where(d => d.Class == "030000").ToDictionary(d => d.Address, _ => (IReadOnlyList<long>)[16L << 20, 256L << 20, 32L << 20]),
            Domains = domains,
            ExistingPaths = Host.Vms.SelectMany(VmFiles.FirmwarePaths).ToHashSet(StringComparer.Ordinal),
            Deep = new DeepFacts(new Dictionary<string, IReadOnlyList<string>> { ["/boot/initramfs-3.10.0.img"] = ["usr/lib/modules/3.10.0/kernel/drivers/vfio/pci/vfio-pci.ko.xz", "etc/modprobe.d/vfio.conf", "etc/modprobe.d/blacklist-nouveau.conf", "usr/lib/dracut/hooks/pre-udev/00-provision-vfio-bind.sh"] },
                false, new Dictionary<string, PciNameFacts>(), [])
            { Qemu = QemuKvmEv },
        };
    }

    // What CentOS 7's two QEMUs print (--version's first line, -machine help's names): the Virt
    // SIG's qemu-kvm-ev and the stock qemu-kvm, whose RHEL 7.0 machine list has no q35.
    private static readonly QemuFacts QemuKvmEv = new("/usr/libexec/qemu-kvm", "QEMU emulator version 2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7_8.1)",
        ["pc", "pc-i440fx-rhel7.6.0", "pc-i440fx-rhel7.0.0", "q35", "pc-q35-rhel7.6.0", "pc-q35-rhel7.3.0", "rhel6.6.0", "none"]);

    private static readonly QemuFacts StockQemuKvm = new("/usr/libexec/qemu-kvm", "QEMU emulator version 1.5.3 (qemu-kvm-1.5.3-175.el7_9.6), Copyright (c) 2003-2008 Fabrice Bellard",
        ["pc", "pc-i440fx-rhel7.0.0", "rhel6.6.0", "rhel6.5.0", "rhel6.0.0", "none"]);

    /// <summary>Stock CentOS 7: its qemu-kvm 1.5.3 has no q35, and no SMM for EL7's only OVMF, the secure-boot build; no QEMU at all is named with what apply installs.</summary>
    [Fact]
    public void Run_StockCentos7Qemu_FailsForQ35AndTheSecureBootOvmf_NoQemuNamesThePackage()
    {
        var stock = Run(Healthy() with { Deep = Healthy().Deep! with { Qemu = StockQemuKvm } })["qemu-machine"];
        var none = Run(Healthy() with { Deep = Healthy().Deep! with { Qemu = null } })["qemu-machine"];

        Assert.Equal(CheckStatus.Fail, stock.Status);
        Assert.Equal([
            "QEMU 1.5.3 (/usr/libexec/qemu-kvm) has no q35 machine type, which every worker domain uses",
            "/usr/share/OVMF/OVMF_CODE.secboot.fd is a secure-boot OVMF build, which stops without SMM, and QEMU 1.5.3 (/usr/libexec/qemu-kvm) has none (QEMU 2.4 added it)"], stock.Details);
        Assert.Contains("centos-release-qemu-ev", stock.Fix, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Fail, none.Status);
        Assert.Equal("run 'provision apply': it installs qemu-kvm-ev", none.Fix);
        Assert.Equal(["QEMU 2.12.0 (/usr/libexec/qemu-kvm) has q35 and SMM for the secure-boot OVMF"], Run(Healthy())["qemu-machine"].Details);
    }

    private static Dictionary<string, CheckResult> Run(HostFacts facts, IReadOnlyDictionary<string, GuestReport>? guests = null) =>
        CheckCatalog.Run(new CheckInput(Host, facts, CheckMode.All) { Guests = guests }).ToDictionary(r => r.Check.Id);

    [Fact]
    public void Run_HealthyHost_PassesEveryCheck_GuestsNotAskedAreSkipped()
    {
        var results = Run(Healthy());

        Assert.Equal(CheckCatalog.Definitions.Count(), results.Count);
        Assert.All(results.Values.Where(r => r.Check.Id is not "guest-gpu" and not "guest-farm"), r => Assert.True(r.Status == CheckStatus.Pass, $"{r.Check.Id}: {string.Join("; ", r.Details)}"));
        Assert.Equal(CheckStatus.Skip, results["guest-gpu"].Status);
        Assert.Equal(CheckStatus.Skip, results["guest-farm"].Status);
    }

    [Fact]
    public void Run_Catalogue_HasUniqueIdsAndAFixForEach()
    {
        var ids = CheckCatalog.Definitions.Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(CheckCatalog.Definitions, d => Assert.False(string.IsNullOrWhiteSpace(d.Fix) || string.IsNullOrWhiteSpace(d.Troubleshooting), d.Id));
    }

    [Fact]
    public void Run_LargeBarGpuWithLargeGuest_Warns()
    {
        var bars = Host.Host.Gpus.ToDictionary(g => g.Address.ToString(), g => (IReadOnlyList<long>)[16L << 20, 64L << 30, 32L << 20]);

        var result = Run(Healthy() with { Bars = bars })["large-bar"];

        Assert.Equal(CheckStatus.Warn, result.Status);
        Assert.Contains("hk-gpu-01-gpu0: GPU 0000:65:00.0 has 64 GiB of BARs (largest 64 GiB) and the guest 24GiB of RAM", result.Details);
    }

    [Fact]
    public void Run_InitramfsOlderThanTheVfioConfig_FailsWithTheElRebuild()
    {
        var facts = Healthy() with { Files = new Dictionary<string, FileFacts> { ["/etc/modprobe.d/vfio.conf"] = new("/etc/modprobe.d/vfio.conf", true, "x", "0644", "root", "root", null, 3000) } };

        var result = Run(facts)["initramfs-vfio"];

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal("/etc/modprobe.d/vfio.conf changed after /boot/initramfs-3.10.0.img was built: the initramfs holds the old config", Assert.Single(result.Details));
        // EL7's dracut has no --regenerate-all: the image of the kernel that boots next.
        Assert.Equal("dracut -f --kver \"$(grubby --default-kernel | sed 's|^/boot/vmlinuz-||')\", then reboot", result.Fix);
    }

    [Fact]
    public void Run_GuestsSeeTwoGpusOrAgentHangs_FailsThoseVms_SilentAgentsAreSkipped()
    {
        var guests = new Dictionary<string, GuestReport>
        {
            ["hk-gpu-01-gpu0"] = new(null, null),
            ["hk-gpu-01-gpu1"] = new(null, "nvidia-smi -L in the guest lists 2 GPUs, not one"),
            ["hk-gpu-01-gpu2"] = new("not connected", null),
            ["hk-gpu-01-gpu3"] = new("Guest agent is not responding: timeout", null),
        };

        var result = Run(Healthy(), guests)["guest-gpu"];

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal(["hk-gpu-01-gpu1: nvidia-smi -L in the guest lists 2 GPUs, not one", "hk-gpu-01-gpu3: the guest agent is connected but does not answer: Guest agent is not responding: timeout"], result.Details);
    }

    [Fact]
    public void Run_GuestsEachSeeTheirGpu_PassNamingTheCardAndDriverInside()
    {
        var guests = Host.Vms.ToDictionary(vm => vm.Vm.Name, vm => new GuestReport(null, null) { GpuSeen = "NVIDIA RTX A5000, driver 535.104.05" });

        var result = Run(Healthy(), guests)["guest-gpu"];

        Assert.Equal(CheckStatus.Pass, result.Status);
        Assert.Equal([.. Host.Vms.Select(vm => vm.Vm.Name + ": one GPU (NVIDIA RTX A5000, driver 535.104.05)")], result.Details);
    }

    [Fact]
    public void Run_GuestFarm_FailsNamingEachVmsProblem_PassesWithWhatWasFine()
    {
        var guests = Host.Vms.ToDictionary(vm => vm.Vm.Name, vm => vm == Host.Vms[1]
            ? new GuestReport(null, null) { FarmProblems = ["the share 10.20.0.5:/srv/farm at /srv/farm is not mounted"] }
            : new GuestReport(null, null) { FarmProblems = [], FarmFine = ["the queue 10.20.0.5:6379 answers"] });

        var result = Run(Healthy(), guests)["guest-farm"];

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal(["hk-gpu-01-gpu1: the share 10.20.0.5:/srv/farm at /srv/farm is not mounted"], result.Details);
        var fine = Run(Healthy(), Host.Vms.ToDictionary(vm => vm.Vm.Name, vm => new GuestReport(null, null) { FarmProblems = [], FarmFine = ["the queue 10.20.0.5:6379 answers"] }))["guest-farm"];
        Assert.Equal(CheckStatus.Pass, fine.Status);
        Assert.Contains("hk-gpu-01-gpu0: the queue 10.20.0.5:6379 answers", fine.Details);
    }

    [Fact]
    public void Run_VmStoppedWithoutAutostart_AndAConsoleOnAllAddresses_Fail()
    {
        var facts = Healthy();
        var vm = Host.Vms[0];
        facts = facts with
        {
            Domains = [.. facts.Domains!.Skip(1), new DomainFacts(vm.Vm.Name, vm.Vm.Uuid, "shut off", false, vm.Domain.Xml.Replace("</devices>", "<graphics type='vnc' port='-1' listen='0.0.0.0'/></devices>", StringComparison.Ordinal))],
            Listeners = [new ListenerFacts("::", 5901)],
        };

        var results = Run(facts);

        Assert.Equal([$"{vm.Vm.Name} is shut off", $"{vm.Vm.Name} does not autostart"], results["vm-running"].Details);
        Assert.Equal([$"{vm.Vm.Name}'s vnc console listens on 0.0.0.0", "something listens on :::5901 (the VNC/SPICE range) beyond localhost"], results["console-localhost"].Details);
    }

    [Theory]
    [InlineData("0000:66:00.0", "amdgpu", "amdgpu", false, "apply (it writes the early rebind by address into the initramfs, which gives the function to vfio-pci before amdgpu can load) and reboot")]
    [InlineData("0000:65:00.1", "xhci_hcd", "xhci_pci", true, "xhci_hcd is built into the kernel (module xhci_pci): no softdep or blacklist acts on it. The early rebind by address in the initramfs moves the function: apply (it writes the script and rebuilds the initramfs) and reboot")]
    public void Run_GpuFunctionHeldByAHostDriverBeforeTheIommu_FailsWithTheRebindFix(string address, string driver, string module, bool builtIn, string fix)
    {
        // Before the reboot (no IOMMU groups yet): the function's driver is what tells, and the
        // probe's module facts say whether a softdep could ever act on it.
        var facts = Healthy();
        facts = facts with
        {
            PciDevices = [.. facts.PciDevices.Select(d => (d.Address == address ? d with { Driver = driver } : d) with { IommuGroup = null })],
            PciDrivers = new Dictionary<string, PciDriverFacts> { [driver] = new(driver, module, builtIn) },
        };

        var result = Run(facts)["host-gpu-drivers"];

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal($"{address} is held by the host driver {driver}", Assert.Single(result.Details));
        Assert.Equal(fix, result.Fix);
    }

    [Fact]
    public void Preflight_IsTheBlockingSubset_CpuVirtualizationOffBlocks()
    {
        var findings = Core.Planning.Preflight.Check(Host, Healthy() with { Cpu = new CpuFacts("GenuineIntel", "Xeon", 32, null) });

        var finding = Assert.Single(findings);
        Assert.True(finding.Blocks);
        Assert.Equal("Xeon shows no vmx flag: virtualization is off in the firmware, KVM guests cannot start", finding.Message);
    }

    [Fact]
    public void ProcNetTcp_ReadsTheKernelsNotation()
    {
        Assert.Equal(new ListenerFacts("127.0.0.1", 5900), ProcNetTcp.Listener("0100007F:170C"));
        Assert.Equal(new ListenerFacts("0.0.0.0", 5901), ProcNetTcp.Listener("00000000:170D"));
        Assert.Equal(new ListenerFacts("::1", 8080), ProcNetTcp.Listener("00000000000000000000000001000000:1F90"));
        Assert.True(ProcNetTcp.Listener("00000000000000000000000001000000:1F90")!.Loopback);
        Assert.Null(ProcNetTcp.Listener("garbage"));
    }

    [Fact]
    public void LspciMachine_ReadsQuotedNames()
    {
        var parsed = LspciMachine.Parse("0000:65:00.0 \"VGA compatible controller\" \"NVIDIA Corporation\" \"GA102GL [RTX A5000]\" -ra1 \"NVIDIA Corporation\" \"Device 147e\"");

        Assert.Equal(("0000:65:00.0", new PciNameFacts("VGA compatible controller", "NVIDIA Corporation", "GA102GL [RTX A5000]")), parsed);
    }

    /// <summary>docs/checks.md is the catalogue (PROVISION_UPDATE_GOLDEN=1 rewrites it).</summary>
    [Fact]
    public void Docs_ChecksMd_IsTheCatalogue()
    {
        var text = new StringBuilder("""
            # Checks

            `provision check INVENTORY` runs every check below on every host (read-only) and prints each as
            pass / warn / fail / skip with the fix; exit 1 on any fail (`--strict`: on any warn too), `--json`
            for machines. Pre-flight checks also run inside `plan` and `apply`: a failing one blocks its host
            before anything is changed (the other hosts proceed). Verify checks run after apply's reboot,
            the VM ones after apply made the worker VMs.
            `provision runbook` prints the same list as its pocket checklist and troubleshooting section.
            This file is generated from the catalogue (src/Provisioner.Core/Checks) by its test.

            | id | checks | on failure | runs in | fix |
            |---|---|---|---|---|

            """);
        foreach (var check in CheckCatalog.Definitions)
        {
            var stages = new[] { check.Preflight ? "pre-flight" : null, check.Verify ? "verify" : null, check.VerifyVms ? "verify (VMs)" : null, "check" }.OfType<string>();
            text.Append($"| `{check.Id}` | {check.Title} | {check.Severity.ToString().ToLowerInvariant()} | {string.Join(", ", stages)} | {check.Fix} |\n");
        }

        text.Append("\n## Troubleshooting\n");
        foreach (var check in CheckCatalog.Definitions)
        {
            text.Append($"\n### `{check.Id}`\n\n{check.Troubleshooting}\n");
        }

        Golden.AssertMatches(Repo.Path("docs", "checks.md"), text.ToString());
    }
}
