using Provisioner.Core.Checks;
using Provisioner.Core.Desired;
using Provisioner.Core.Discovery;
using Provisioner.Core.Facts;
using Provisioner.Core.Planning;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Planning;

/// <summary>
/// Verdicts on real machines, from the IOMMU listings their owners published
/// (tests/Provisioner.Tests/Fixtures/realhw/dumps), and on small profiles of our own for each rule.
/// </summary>
public sealed class RealMachineTests
{
    private static HostDesiredState Desired(string gpus, string os = "debian", string vfioBinding = "ids", bool acsOverride = false)
    {
        using var dir = new TempDirectory();
        var inventory = dir.File("real.yaml", $$"""
            version: 1
            defaults:
              vm:
                image: { url: "https://images.example.org/base.img", sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }
                hugepages: false
            hosts:
              - name: real
                address: 10.0.0.1
                os: {{os}}
                cpu_vendor: intel
                memory: 64GiB
                gpus: {{gpus}}
                vfio_binding: {{vfioBinding}}
                iommu: { acs_override: {{(acsOverride ? "true" : "false")}} }
            """);
        return Rendered.Hosts(inventory).Single();
    }

    private const string Rtx2080Ti = """{ name: RTX 2080 Ti, functions: [{ function: 0, id: "10de:1e04" }, { function: 1, id: "10de:10f7" }, { function: 2, id: "10de:1ad6" }, { function: 3, id: "10de:1ad7" }] }""";
    private const string Rtx2060 = """{ name: RTX 2060, functions: [{ function: 0, id: "10de:1f08" }, { function: 1, id: "10de:10f9" }, { function: 2, id: "10de:1ada" }, { function: 3, id: "10de:1adb" }] }""";

    /// <summary>Facts of a machine whose IOMMU is on, with these devices, its GPUs still on their host drivers.</summary>
    private static HostFacts Booted(IReadOnlyList<PciDeviceFacts> devices) =>
        HostFacts.Unread("real") with
        {
            IsUnread = false,
            OsRelease = new Dictionary<string, string> { ["ID"] = "debian", ["VERSION_ID"] = "12" },
            Cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on",
            PciDevices = devices,
            NumaNodes = [new NumaNodeFacts(0, 64L << 20, 0, 0, 0, 0) { Cpus = "0-11" }],
            FirmwareIommu = "DMAR",
        };

    private static IReadOnlyList<CheckOutcome> GroupIsolation(HostDesiredState desired, HostFacts facts) =>
        [.. GpuChecks.EvaluateGroupIsolation(new CheckInput(desired, facts, CheckMode.Preflight)).Where(o => o.Status == CheckStatus.Fail)];

    [Fact]
    public void Z370_TwoCardsInOneGroupGivenToTwoVms_IsBlockedNamingTheGroupAndTheFix()
    {
        var devices = Twin.Devices("08");
        Assert.Equal(10, devices.Count(d => d.IommuGroup == 1)); // two root ports and eight GPU functions
        var desired = Desired($$"""[{ address: "01:00.0", model: {{Rtx2080Ti}} }, { address: "02:00.0", model: {{Rtx2060}} }]""");

        var plan = HostPlanner.PlanHost(desired, Booted(devices));

        Assert.True(plan.Blocked);
        var finding = Assert.Single(plan.Findings, f => f.Message.StartsWith("IOMMU group 1 holds", StringComparison.Ordinal));
        Assert.Equal("IOMMU group 1 holds GPU 0000:01:00.0 (VM real-gpu0), GPU 0000:02:00.0 (VM real-gpu1): a group goes to one VM whole, so the second VM could never start", finding.Message);
        Assert.Contains("leave all but one of them out", finding.Fix, StringComparison.Ordinal);
        // The root ports 00:01.0 and 00:01.1 share the group: bridges are never a problem.
        Assert.DoesNotContain(plan.Findings, f => f.Message.Contains("0000:00:01.", StringComparison.Ordinal));
    }

    [Fact]
    public void Z370_OnlyThe2080Ti_TheOtherCardInItsGroupIsNamed()
    {
        var desired = Desired($$"""[{ address: "01:00.0", model: {{Rtx2080Ti}} }]""");

        var failures = GroupIsolation(desired, Booted(Twin.Devices("08")));

        Assert.Equal(4, failures.Count); // the 2060's four functions, not the two root ports
        Assert.All(failures, f => Assert.Contains("also holds 0000:02:00.", f.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public void B550M_TheIsolated2070Super_PassesAndTheDummyHostBridgesDoNotMatter()
    {
        var devices = Twin.Devices("11");
        var gpu = devices.Single(d => d.VendorDevice == "10de:1e84");
        var desired = Desired($$"""[{ address: "{{gpu.Address[5..]}}", model: { name: RTX 2070 SUPER, functions: [{ function: 0, id: "10de:1e84" }, { function: 1, id: "10de:10f8" }, { function: 2, id: "10de:1ad8" }, { function: 3, id: "10de:1ad9" }] } }]""");

        Assert.Empty(GroupIsolation(desired, Booted(devices)));
    }

    [Fact]
    public void HostBridgeInTheGpusGroup_NeverBlocksAndIsNeverBound()
    {
        // AMD's "PCIe Dummy Host Bridge" (class 0600) beside a GPU in one group, as some boards group them.
        var devices = new[]
        {
            new PciDeviceFacts("0000:00:01.0", "1022:1482", "060000", null, 5, 0),
            new PciDeviceFacts("0000:00:01.1", "1022:1483", "060400", "pcieport", 5, 0),
            new PciDeviceFacts("0000:01:00.0", "10de:2231", "030000", "vfio-pci", 5, 0),
            new PciDeviceFacts("0000:01:00.1", "10de:1aef", "040300", "vfio-pci", 5, 0),
        };
        var desired = Desired("""[{ address: "01:00.0", model: { name: RTX A5000, functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }] } }]""");
        var facts = Booted(devices);

        Assert.Empty(GroupIsolation(desired, facts));
        Assert.DoesNotContain(GpuChecks.EvaluateVfioBound(new CheckInput(desired, facts, CheckMode.Verify)), o => o.Status == CheckStatus.Fail);
    }

    private static IReadOnlyList<CheckOutcome> Outcomes(Func<CheckInput, IEnumerable<CheckOutcome>> check, HostDesiredState desired, HostFacts facts, CheckStatus status) =>
        [.. check(new CheckInput(desired, facts, CheckMode.All)).Where(o => o.Status == status)];

    [Fact]
    public void B550M_TheHostsGt710_IsNamedBeforeBlacklistNouveauTakesItsDriver_AndItsNouveauIsNoFailure()
    {
        var devices = Twin.Devices("11");
        var desired = Desired("""[{ address: "2b:00.0", model: { name: RTX 2070 SUPER, functions: [{ function: 0, id: "10de:1e84" }, { function: 1, id: "10de:10f8" }, { function: 2, id: "10de:1ad8" }, { function: 3, id: "10de:1ad9" }] } }]""");

        var warning = Assert.Single(Outcomes(GpuChecks.EvaluateHostCardKept, desired, Booted(devices), CheckStatus.Warn));
        Assert.Equal("0000:04:00.0 (10de:128b) stays on the host, but blacklist_nouveau takes nouveau from it: it would have no driver", warning.Detail);
        Assert.StartsWith("set blacklist_nouveau: false", warning.Fix, StringComparison.Ordinal);

        // After the bring-up: the guest card on vfio-pci, nouveau loaded for the GT 710 only.
        var after = Booted([.. devices.Select(d => d.Address.StartsWith("0000:2b:00.", StringComparison.Ordinal) ? d with { Driver = "vfio-pci" } : d)]) with { LoadedModules = ["nouveau", "vfio_pci"] };
        Assert.Empty(Outcomes(GpuChecks.EvaluateHostGpuDrivers, desired, after, CheckStatus.Fail));
    }

    [Fact]
    public void X399_TheHostsGtx1060_IsNamed()
    {
        var desired = Desired("""[{ address: "08:00.0", model: { name: GTX 1080, functions: [{ function: 0, id: "10de:1b80" }, { function: 1, id: "10de:10f0" }] } }]""");

        var warning = Assert.Single(Outcomes(GpuChecks.EvaluateHostCardKept, desired, Booted(Twin.Devices("07")), CheckStatus.Warn));

        Assert.StartsWith("0000:43:00.0 (10de:1c03) stays on the host", warning.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CometLake_TheIntegratedGpuStaysOnTheHostWithoutAWord()
    {
        var desired = Desired("""[{ address: "01:00.0", model: { name: GTX 1660 SUPER, functions: [{ function: 0, id: "10de:21c4" }, { function: 1, id: "10de:1aeb" }, { function: 2, id: "10de:1aec" }, { function: 3, id: "10de:1aed" }] } }]""");

        Assert.Empty(Outcomes(GpuChecks.EvaluateHostCardKept, desired, Booted(Twin.Devices("14")), CheckStatus.Warn));
    }

    [Fact]
    public void IdenticalCardKeptByTheHost_IsNamedAsTakenByTheIds()
    {
        var devices = new[]
        {
            new PciDeviceFacts("0000:01:00.0", "10de:2231", "030000", "nouveau", 10, 0),
            new PciDeviceFacts("0000:01:00.1", "10de:1aef", "040300", "snd_hda_intel", 10, 0),
            new PciDeviceFacts("0000:02:00.0", "10de:2231", "030000", "nvidia", 11, 0),
            new PciDeviceFacts("0000:02:00.1", "10de:1aef", "040300", "snd_hda_intel", 11, 0),
        };
        var desired = Desired("""[{ address: "01:00.0", model: { name: RTX A5000, functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }] } }]""");

        var warning = Assert.Single(Outcomes(GpuChecks.EvaluateHostCardKept, desired, Booted(devices), CheckStatus.Warn));

        Assert.Equal("0000:02:00.0 (10de:2231) stays on the host, but vfio-pci claims that id for the VMs: it would be taken too", warning.Detail);
    }

    /// <summary>Dump 10's owner wrote /etc/modprobe.d/vfio.conf by hand, binding an extra USB card (1912:0014) with the 2070 SUPER.</summary>
    [Fact]
    public void X670E_TheOwnersVfioConf_IsReplacedWithAWarningForTheIdItDrops()
    {
        var owners = string.Join('\n', Twin.Profile("10").GetProperty("modprobe").EnumerateArray().Select(l => l.GetString())) + "\n";
        var desired = Desired("""[{ address: "05:00.0", model: { name: RTX 2070 SUPER, functions: [{ function: 0, id: "10de:1e84" }, { function: 1, id: "10de:10f8" }, { function: 2, id: "10de:1ad8" }, { function: 3, id: "10de:1ad9" }] } }]""");
        var facts = Booted(Twin.Devices("10")) with
        {
            OsRelease = new Dictionary<string, string> { ["ID"] = "debian", ["VERSION_ID"] = "12" },
            Files = new Dictionary<string, FileFacts> { ["/etc/modprobe.d/vfio.conf"] = new("/etc/modprobe.d/vfio.conf", true, "sha-of-the-owners", "0644", "root", "root", owners, 1_700_000_000) },
        };

        var plan = HostPlanner.PlanHost(desired, facts);

        var change = Assert.Single(plan.Changes, c => c.Id == "/etc/modprobe.d/vfio.conf");
        Assert.Equal(ChangeAction.Update, change.Action);
        Assert.Contains("-softdep xhci_hdc pre: vfio-pci", change.Content, StringComparison.Ordinal); // the diff shows the owner's lines going
        var warning = Assert.Single(plan.Findings, f => f.Message.StartsWith("replacing /etc/modprobe.d/vfio.conf", StringComparison.Ordinal));
        Assert.False(warning.Blocks);
        Assert.Contains("drops the vfio-pci id(s) 1912:0014", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>Dump 07's /etc/default/grub has pci=nomsi (and the Fedora host boots with it).</summary>
    [Fact]
    public void X399_PciNomsiOnTheCommandLine_IsAWarningInPreflight()
    {
        var grub = Twin.Profile("07").GetProperty("grub").GetProperty("GRUB_CMDLINE_LINUX").GetString();
        var desired = Desired("""[{ address: "08:00.0", model: { name: GTX 1080, functions: [{ function: 0, id: "10de:1b80" }, { function: 1, id: "10de:10f0" }] } }]""");
        var facts = Booted(Twin.Devices("07")) with { Cmdline = "BOOT_IMAGE=/vmlinuz-4.20 root=/dev/mapper/fedora-root ro " + grub };

        var warning = Assert.Single(Outcomes(CmdlineChecks.EvaluateHazards, desired, facts, CheckStatus.Warn));

        Assert.StartsWith("pci=nomsi is on the command line", warning.Detail, StringComparison.Ordinal);
        Assert.Contains(HostPlanner.PlanHost(desired, facts).Findings, f => !f.Blocks && f.Message == warning.Detail);
    }

    [Fact]
    public void IsolatedCpusUnderAPinnedVm_AreNamed()
    {
        var devices = new[]
        {
            new PciDeviceFacts("0000:01:00.0", "10de:2231", "030000", "vfio-pci", 10, 0),
            new PciDeviceFacts("0000:01:00.1", "10de:1aef", "040300", "vfio-pci", 10, 0),
            new PciDeviceFacts("0000:81:00.0", "10de:2231", "030000", "vfio-pci", 20, 1),
            new PciDeviceFacts("0000:81:00.1", "10de:1aef", "040300", "vfio-pci", 20, 1),
        };
        var a5000 = """{ name: RTX A5000, functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }] }""";
        var desired = Desired($$"""[{ address: "01:00.0", model: {{a5000}} }, { address: "81:00.0", model: {{a5000}} }]""");
        var facts = Booted(devices) with
        {
            Cmdline = "BOOT_IMAGE=/vmlinuz ro intel_iommu=on isolcpus=domain,managed_irq,0-3",
            NumaNodes = [new NumaNodeFacts(0, 32L << 20, 0, 0, 0, 0) { Cpus = "0-7" }, new NumaNodeFacts(1, 32L << 20, 0, 0, 0, 0) { Cpus = "8-15" }],
        };

        var warning = Assert.Single(Outcomes(CmdlineChecks.EvaluateHazards, desired, facts, CheckStatus.Warn));

        Assert.Equal("real-gpu0 would be pinned to the CPUs of NUMA node 0 (0-7), and isolcpus isolates 4 of them", warning.Detail);
    }

    /// <summary>Dump 11: a GT 710 for the host stuck in the chipset group, the 2070 SUPER alone in its own: the model is the isolated card.</summary>
    [Fact]
    public void B550M_Discover_TakesTheModelFromTheIsolatedCardWithItsFourFunctions()
    {
        var host = DiscoveredHost.From(Booted(Twin.Devices("11")) with { Cpu = new CpuFacts("AuthenticAMD", "Ryzen", 12, "svm") }, "b550m", "10.0.0.5");

        var yaml = DiscoverySnippet.Yaml([host]);

        Assert.Contains("name: \"NVIDIA 10de:1e84\"", yaml, StringComparison.Ordinal);
        Assert.Equal(["0000:2b:00.1", "0000:2b:00.2", "0000:2b:00.3"], host.Gpus.Single(g => g.Device.Address == "0000:2b:00.0").Companions.Select(c => c.Address));
        // The GT 710's slot mates are its audio only; the chipset's USB, SATA and NIC in its group are strangers.
        var gt710 = host.Gpus.Single(g => g.Device.Address == "0000:04:00.0");
        Assert.Equal(["0000:04:00.1"], gt710.Companions.Select(c => c.Address));
        Assert.Contains(gt710.Strangers, s => s.VendorDevice == "10ec:8125");
        // With the twin's module facts: the UCSI function's host_driver by its module name, none for the built-in xhci_hcd.
        var withModules = DiscoverySnippet.Yaml([DiscoveredHost.From(Booted(Twin.Devices("11")) with { Cpu = new CpuFacts("AuthenticAMD", "Ryzen", 12, "svm"), PciDrivers = Twin.Drivers("11") }, "b550m", "10.0.0.5")]);
        Assert.Contains("{ function: 3, id: \"10de:1ad9\", host_driver: i2c_nvidia_gpu }", withModules, StringComparison.Ordinal);
        Assert.Contains("{ function: 2, id: \"10de:1ad8\" }", withModules, StringComparison.Ordinal);
    }

    /// <summary>Dump 06: sysfs says numa_node -1 for every device of the one-node WRX90: discover says "no NUMA node", never "node -1".</summary>
    [Fact]
    public void Wrx90_Discover_NamesNumaNodeMinusOneAsNoNumaNode()
    {
        var yaml = DiscoverySnippet.Yaml([DiscoveredHost.From(Booted(Twin.Devices("06")) with { Cpu = new CpuFacts("AuthenticAMD", "Threadripper PRO", 48, "svm") }, "wrx90", "10.0.0.6")]);

        Assert.Contains("{ address: \"0000:c1:00.0\" }   # no NUMA node,", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("node -1", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void ApuGraphics_IsNeverADiscoveredGpu()
    {
        var devices = new[]
        {
            new PciDeviceFacts("0000:0e:00.0", "1002:164e", "030000", "amdgpu", 30, 0),
            new PciDeviceFacts("0000:0e:00.1", "1002:1640", "040300", "snd_hda_intel", 31, 0),
            new PciDeviceFacts("0000:0e:00.2", "1022:1649", "108000", "ccp", 32, 0),
            new PciDeviceFacts("0000:0e:00.3", "1022:15b6", "0c0330", "xhci_hcd", 33, 0),
            new PciDeviceFacts("0000:03:00.0", "1002:747e", "030000", "amdgpu", 17, 0),
            new PciDeviceFacts("0000:03:00.1", "1002:ab30", "040300", "snd_hda_intel", 18, 0),
        };

        var host = DiscoveredHost.From(Booted(devices), "apu", "10.0.0.6");

        Assert.Equal(["0000:03:00.0"], host.Gpus.Select(g => g.Device.Address));
        Assert.Equal("AMD 1002:747e", host.Gpus[0].Name);
    }

    [Fact]
    public void KernelArgs_AnotherValueOfAKeyWeSet_IsPlannedForRemoval()
    {
        var args = new Core.Desired.KernelArgs(["intel_iommu=on", "default_hugepagesz=1G", "hugepagesz=1G", "hugepages=96"], ["intel_iommu=off", "iommu=off"]);

        // Dump 06's boot line, with an Intel IOMMU switch of our own kind added.
        var (missing, unwanted) = args.Diff("BOOT_IMAGE=/vmlinuz ro amd_iommu=off iommu=pt isolcpus=0-3 default_hugepagesz=1G hugepagesz=1G hugepages=8 intel_iommu=off");

        Assert.Equal(["intel_iommu=on", "hugepages=96"], missing);
        Assert.Equal(["hugepages=8", "intel_iommu=off"], unwanted);
    }

    [Fact]
    public void Fedora_IsRefusedInPreflight_NeverTakenForEl9()
    {
        var desired = Desired("""[{ address: "0a:00.0", model: { name: GTX 1080, functions: [{ function: 0, id: "10de:1b80" }, { function: 1, id: "10de:10f0" }] } }]""", os: "el9");
        var facts = Booted([]) with { OsRelease = new Dictionary<string, string> { ["ID"] = "fedora", ["VERSION_ID"] = "29", ["PRETTY_NAME"] = "Fedora 29 (Workstation Edition)" } };

        var plan = HostPlanner.PlanHost(desired, facts);

        Assert.Null(OsDetection.Family(facts));
        Assert.True(plan.Blocked);
        Assert.Contains(plan.Findings, f => f.Blocks && f.Message == "the host runs Fedora 29 (Workstation Edition), which Provisioner does not support");
    }

    /// <summary>
    /// 11's author: the built-in xhci_hcd takes the 2070 SUPER's USB function before any module
    /// can. vfio-bound names it with the fix that works (the early rebind), not a softdep; a
    /// driver written as host_driver by its driver name (nvidia-gpu) is named with its module.
    /// </summary>
    [Fact]
    public void B550M_TheBuiltInXhciHcd_GetsTheRebindFix_AndHostDriverTakesTheModuleName()
    {
        var devices = Twin.Devices("11");
        var desired = Desired("""[{ address: "2b:00.0", model: { name: RTX 2070 SUPER, functions: [{ function: 0, id: "10de:1e84" }, { function: 1, id: "10de:10f8" }, { function: 2, id: "10de:1ad8" }, { function: 3, id: "10de:1ad9", host_driver: nvidia-gpu }] } }]""");
        var bound = devices.Select(d => d.Address.StartsWith("0000:2b:00.", StringComparison.Ordinal) && d.Driver != "xhci_hcd" ? d with { Driver = "vfio-pci" } : d);
        var facts = Booted([.. bound]) with { PciDrivers = Twin.Drivers("11") };

        var held = Assert.Single(Outcomes(GpuChecks.EvaluateVfioBound, desired, facts, CheckStatus.Fail));
        Assert.Equal("0000:2b:00.2 (10de:1ad8) in the group of GPU 0000:2b:00.0 is on xhci_hcd, not vfio-pci", held.Detail);
        Assert.StartsWith("xhci_hcd is built into the kernel (module xhci_pci): no softdep or blacklist acts on it. The early rebind by address", held.Fix, StringComparison.Ordinal);
        var named = Assert.Single(Outcomes(GpuChecks.EvaluateHostDriverModule, desired, facts, CheckStatus.Warn));
        Assert.Equal("write host_driver: i2c_nvidia_gpu (its module) for function 3", named.Fix);
        // The rebind is rendered for every function of the card, and the ids go on the command line too.
        var bind = desired.Files.Single(f => f.Path == "/etc/initramfs-tools/scripts/init-top/provision-vfio-bind");
        Assert.Contains("for provision_dev in 0000:2b:00.0 0000:2b:00.1 0000:2b:00.2 0000:2b:00.3; do", bind.Content, StringComparison.Ordinal);
        Assert.Contains("vfio-pci.ids=10de:10f8,10de:1ad8,10de:1ad9,10de:1e84", desired.KernelArgs.Add);
    }

    /// <summary>'vfio_binding: address': no ids anywhere, so an identical card the host keeps is not taken; only the rebind binds.</summary>
    [Fact]
    public void BindByAddressOnly_WritesNoIds_SoAnIdenticalHostCardIsNotTaken()
    {
        var desired = Desired("""[{ address: "c1:00.0", model: { name: RTX 6000 Ada, functions: [{ function: 0, id: "10de:26b1" }] } }]""", vfioBinding: "address");
        var devices = Twin.Devices("06");

        Assert.Empty(desired.Vfio.Ids);
        Assert.DoesNotContain(desired.KernelArgs.Add, a => a.StartsWith("vfio-pci.ids=", StringComparison.Ordinal));
        Assert.DoesNotContain("options vfio-pci ids=", desired.Files.Single(f => f.Path == "/etc/modprobe.d/vfio.conf").Content, StringComparison.Ordinal);
        Assert.Contains("for provision_dev in 0000:c1:00.0; do", desired.Files.Single(f => f.Path.EndsWith("/provision-vfio-bind", StringComparison.Ordinal)).Content, StringComparison.Ordinal);
        Assert.DoesNotContain(Outcomes(GpuChecks.EvaluateHostCardKept, desired, Booted(devices) with { Cmdline = "BOOT_IMAGE=/vmlinuz amd_iommu=on" }, CheckStatus.Warn),
            o => o.Detail.Contains("vfio-pci claims that id", StringComparison.Ordinal));
    }

    /// <summary>Ubuntu with systemd-boot (Pop!_OS): a supported family, but GRUB's arguments would never boot: refused.</summary>
    [Fact]
    public void SystemdBootWithoutGrub_IsRefusedInPreflight()
    {
        var desired = Desired("""[{ address: "01:00.0", model: { name: RTX A5000, functions: [{ function: 0, id: "10de:2231" }] } }]""", os: "ubuntu");
        var facts = Booted([]) with
        {
            OsRelease = new Dictionary<string, string> { ["ID"] = "ubuntu", ["VERSION_ID"] = "22.04", ["ID_LIKE"] = "debian" },
            SystemdBootLoader = "/boot/efi/loader/loader.conf",
        };

        var plan = HostPlanner.PlanHost(desired, facts);

        Assert.True(plan.Blocked);
        Assert.Contains(plan.Findings, f => f.Blocks && f.Message.StartsWith("the host boots with systemd-boot (/boot/efi/loader/loader.conf) and has no GRUB config", StringComparison.Ordinal));
        // With a grub.cfg beside it (GRUB boots, a leftover loader.conf), nothing is refused for it.
        Assert.DoesNotContain(HostPlanner.PlanHost(desired, facts with { BootEntries = [new("/boot/grub/grub.cfg", "root=/dev/sda1")] }).Findings,
            f => f.Message.Contains("systemd-boot", StringComparison.Ordinal));
    }

    /// <summary>
    /// 08 with iommu.acs_override: the shared group is the stock kernel's; pcie_acs_override changes
    /// the groups at the next boot, so pre-flight defers (a warning) instead of blocking an apply
    /// that is the only way out. Once booted with it, a group still shared (a kernel without the
    /// patch) fails as before; that check is part of the verification after the reboot.
    /// </summary>
    [Fact]
    public void Z370_AcsOverrideWanted_TheGroupsAreJudgedAfterTheRebootIntoIt()
    {
        var devices = Twin.Devices("08");
        var desired = Desired($"[{{ address: \"01:00.0\", model: {Rtx2080Ti} }}, {{ address: \"02:00.0\", model: {Rtx2060} }}]", acsOverride: true);

        var before = GpuChecks.EvaluateGroupIsolation(new CheckInput(desired, Booted(devices), CheckMode.Preflight)).ToList();
        var after = GroupIsolation(desired, Booted(devices) with { Cmdline = "BOOT_IMAGE=/vmlinuz intel_iommu=on pcie_acs_override=downstream,multifunction" });

        Assert.DoesNotContain(before, o => o.Status == CheckStatus.Fail);
        Assert.Contains(before, o => o.Status == CheckStatus.Warn && o.Detail.StartsWith("iommu.acs_override is set and the running kernel booted without pcie_acs_override", StringComparison.Ordinal));
        Assert.Contains(after, o => o.Detail.StartsWith("IOMMU group 1 holds GPU 0000:01:00.0", StringComparison.Ordinal));
        Assert.True(GpuChecks.GroupIsolation.Verify);
    }
}
