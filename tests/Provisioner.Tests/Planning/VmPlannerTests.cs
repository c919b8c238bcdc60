using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Planning;
using Provisioner.Core.Text;
using Provisioner.Remote.Libvirt;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Planning;

/// <summary>
/// The worker VMs in a live plan, against domain XML as real libvirt returns it (the
/// test:///default driver adds defaults, addresses and controllers to what we define).
/// </summary>
public sealed class VmPlannerTests
{
    private static readonly IReadOnlyList<HostDesiredState> Fleet = Rendered.Hosts(Path.Combine(Repo.Fixtures, "fleet.yaml"));
    private static HostDesiredState Host => Fleet.Single(h => h.Host.Name == "deb-amd-01");

    /// <summary>The domain XML libvirt gives back for what we rendered.</summary>
    private static string AsLibvirtHasIt(string xml)
    {
        using var libvirt = LibvirtConnection.Open("test:///default");
        using var domain = libvirt.Define(xml);
        var back = domain.GetXml(LibvirtDomain.XmlFlags.Inactive);
        domain.Undefine(nvram: false);
        return back;
    }

    private static HostFacts Facts(HostDesiredState desired, Func<VmDesiredState, DomainFacts?> domain, bool disks = true)
    {
        var seed = desired.Vms.SelectMany(VmFiles.Seed).ToDictionary(f => f.Path,
            f => new FileFacts(f.Path, true, Sha256Text.Hex(f.Content), f.Mode, f.Owner, f.Group, null, 1), StringComparer.Ordinal);
        return new HostFacts(desired.Host.Name, new Dictionary<string, string>(), "6.1.0", "b", "", seed, [], [], [], [], [], [], [])
        {
            LibvirtSocket = "/var/run/libvirt/libvirt-sock",
            ExistingPaths = disks ? desired.Vms.SelectMany(VmFiles.ExistencePaths).ToHashSet(StringComparer.Ordinal) : new HashSet<string>(),
            Domains = [.. desired.Vms.Select(domain).OfType<DomainFacts>()],
        };
    }

    [Fact]
    public void Plan_DomainAsLibvirtReturnsIt_IsUnchanged()
    {
        var vm = Host.Vms[0];
        var comparison = DomainComparison.Compare(vm.Domain.Xml, AsLibvirtHasIt(vm.Domain.Xml));

        Assert.True(comparison.Same, string.Join("; ", comparison.NeedRestart.Concat(comparison.InPlace)));
        var (work, changes, findings) = VmPlanner.Plan(Host, Facts(Host, v => new DomainFacts(v.Vm.Name, v.Vm.Uuid, "running", true, AsLibvirtHasIt(v.Domain.Xml))));
        Assert.Empty(work);
        Assert.Empty(changes);
        Assert.Empty(findings);
    }

    [Fact]
    public void Plan_NewHost_FetchesTheImageOnceAndCreatesEverything()
    {
        var (work, changes, _) = VmPlanner.Plan(Host, Facts(Host, _ => null, disks: false) with { Files = new Dictionary<string, FileFacts>() });

        Assert.Equal(Host.Vms.Count, work.Count);
        Assert.Single(changes, c => c.Type == "base-image");
        Assert.Equal(Host.Vms.Count * 2, changes.Count(c => c.Type == "disk" && c.Action == ChangeAction.Create));
        Assert.All(work, w => Assert.True(w.Define && w.Start && w.Autostart && w.BuildSeed));
    }

    [Fact]
    public void Plan_MoreMemoryOnARunningVm_RedefinesAndRestarts_StoppedVmJustStarts()
    {
        var vm = Host.Vms[0];
        var smaller = vm.Domain.Xml.Replace($"<memory unit='KiB'>{vm.Vm.Memory.KibiBytes}</memory>", "<memory unit='KiB'>1048576</memory>", StringComparison.Ordinal);
        Assert.NotEqual(vm.Domain.Xml, smaller);

        var (work, changes, _) = VmPlanner.Plan(Host, Facts(Host, v => new DomainFacts(v.Vm.Name, v.Vm.Uuid, v == vm ? "running" : "shut off", true,
            AsLibvirtHasIt(v == vm ? smaller : v.Domain.Xml))));

        var redefine = Assert.Single(changes, c => c.Type == "domain");
        Assert.Equal($"redefine: memory 1048576 KiB -> {vm.Vm.Memory.KibiBytes} KiB (needs restart)", redefine.Reason);
        Assert.True(work.Single(w => w.Vm == vm).Restart);
        Assert.All(work.Where(w => w.Vm != vm), w => Assert.True(w.Start && !w.Define && !w.Restart));
    }

    [Fact]
    public void Plan_ChangedSeed_RebuildsItAndRestartsTheVm_SensitiveContentStaysHidden()
    {
        var vm = Host.Vms[0];
        var facts = Facts(Host, v => new DomainFacts(v.Vm.Name, v.Vm.Uuid, "running", true, v.Domain.Xml));
        var userData = VmFiles.Seed(vm)[0].Path;
        facts = facts with { Files = facts.Files.ToDictionary(p => p.Key, p => p.Key == userData ? p.Value with { Sha256 = "0" } : p.Value, StringComparer.Ordinal) };

        var (work, changes, _) = VmPlanner.Plan(Host, facts);

        var seed = Assert.Single(changes, c => c.Type == "seed");
        Assert.Equal($"cloud-init NoCloud seed of {vm.Vm.Name} (changed: user-data), instance-id {vm.Seed.InstanceId}", seed.Reason);
        Assert.Null(seed.Content);
        Assert.True(work.Single().Restart);
    }

    [Fact]
    public void Plan_TwoNodeHost_PinsEachVmToItsGpusNode_AndLibvirtAcceptsIt()
    {
        var vm = Host.Vms[0];
        var facts = Facts(Host, _ => null) with
        {
            PciDevices = [new PciDeviceFacts(vm.Gpu.Address.ToString(), "10de:2231", "030000", "vfio-pci", 40, 1)],
            NumaNodes = [new NumaNodeFacts(0, 1 << 27, 0, 0, 64, 64) { Cpus = "0-15,32-47" }, new NumaNodeFacts(1, 1 << 27, 0, 0, 64, 64) { Cpus = "16-31,48-63" }],
        };

        var (work, changes, findings) = VmPlanner.Plan(Host, facts);

        var xml = work.Single(w => w.Vm.Vm.Name == vm.Vm.Name).Vm.Domain.Xml;
        Assert.Contains("<vcpu placement=\"static\" cpuset=\"16-31,48-63\">", xml, StringComparison.Ordinal);
        Assert.Contains("<numatune>\n    <memory mode=\"strict\" nodeset=\"1\" />\n  </numatune>", xml, StringComparison.Ordinal);
        Assert.StartsWith("<!-- Managed by Provisioner", xml, StringComparison.Ordinal);
        Assert.Equal(xml, changes.Single(c => c.Type == "domain" && c.Id == vm.Vm.Name).Content);
        Assert.DoesNotContain(findings, f => f.Message.Contains(vm.Vm.Name, StringComparison.Ordinal));
        // A GPU whose node the facts do not give: not pinned, and the plan says so.
        var (_, _, unknown) = VmPlanner.Plan(Host, facts with { PciDevices = [] });
        Assert.Contains(unknown, f => !f.Blocks && f.Message == $"{vm.Vm.Name} is not pinned: the host does not say which NUMA node GPU {vm.Gpu.Address} is on");
        using var dir = new TempDirectory();
        var file = dir.File("domain.xml", xml);
        var validation = ExternalTool.Run("virt-xml-validate", file, "domain");
        Assert.True(validation.ExitCode == 0, validation.ToString());
        var back = AsLibvirtHasIt(xml);
        Assert.True(DomainComparison.Compare(xml, back).Same);
        Assert.Equal(["vCPU placement (none) -> 16-31,48-63", "memory node (none) -> 1"], DomainComparison.Compare(xml, AsLibvirtHasIt(vm.Domain.Xml)).NeedRestart);
    }

    [Fact]
    public void Plan_Recreate_RemovesTheDomainAndRetiresTheDisksThenCreatesAnew_EvenUnderAnotherUuid()
    {
        var vm = Host.Vms[0];
        var other = Guid.Parse("6f0e0c52-0000-4000-8000-000000000001");
        var facts = Facts(Host, v => new DomainFacts(v.Vm.Name, v == vm ? other : v.Vm.Uuid, "running", true, v.Domain.Xml));

        var (work, changes, findings) = VmPlanner.Plan(Host, facts, new VmReplacement(new HashSet<string> { vm.Vm.Name }, DeleteDisks: false));

        Assert.Empty(findings);
        var item = Assert.Single(work);
        Assert.True(item.Replace && item.Define && item.Start);
        Assert.Equal(vm.Disks, item.RetireDisks);
        Assert.Equal(vm.Disks, item.CreateDisks);
        Assert.Equal([ChangeAction.Delete, ChangeAction.Delete, ChangeAction.Delete, ChangeAction.Create], changes.Where(c => c.Type is "domain" or "disk" && c.Id.Contains(vm.Vm.Name, StringComparison.Ordinal)).Select(c => c.Action).Take(3).Append(changes.Single(c => c.Type == "domain" && c.Action == ChangeAction.Create).Action));
    }

    [Fact]
    public void Plan_SameNameOtherUuid_BlocksInsteadOfReplacingSilently()
    {
        var vm = Host.Vms[0];
        var other = Guid.Parse("6f0e0c52-0000-4000-8000-000000000001");

        var (work, _, findings) = VmPlanner.Plan(Host, Facts(Host, v => new DomainFacts(v.Vm.Name, v == vm ? other : v.Vm.Uuid, "running", true,
            v == vm ? v.Domain.Xml.Replace(v.Vm.Uuid.ToString(), other.ToString(), StringComparison.Ordinal) : v.Domain.Xml)));

        var finding = Assert.Single(findings);
        Assert.True(finding.Blocks);
        Assert.Contains($"already exists with UUID {other}", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(work, w => w.Vm == vm);
    }
}
