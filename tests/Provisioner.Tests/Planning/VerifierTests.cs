using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Planning;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Planning;

public sealed class VerifierTests
{
    private static readonly HostDesiredState Host = Rendered.Hosts(Repo.Path("inventories", "example.yaml"))[0];

    private static HostFacts Good()
    {
        var devices = Host.Host.Gpus.SelectMany(g => g.Functions.Select(f =>
            new PciDeviceFacts(f.Address.ToString(), f.Id!.ToString(), f.Address.Function == 0 ? "030000" : "040300", "vfio-pci", 40 + g.Index, 0))).ToList();
        return new HostFacts("hk-gpu-01", new Dictionary<string, string>(), "3.10.0", "b", "BOOT_IMAGE=/vmlinuz ro " + string.Join(' ', Host.KernelArgs.Add),
            new Dictionary<string, FileFacts>(), devices, [], ["vfio", "vfio_pci"], [], [], [], [40, 41, 42, 43]);
    }

    [Fact]
    public void Verify_BoundHost_Passes() => Assert.Empty(Verifier.Verify(Host, Good()));

    [Fact]
    public void Verify_AudioFunctionOnHostDriver_Fails()
    {
        var facts = Good();
        facts = facts with { PciDevices = [.. facts.PciDevices.Select(d => d.Address == "0000:65:00.1" ? d with { Driver = "snd_hda_intel" } : d)] };

        var failure = Assert.Single(Verifier.Verify(Host, facts));

        Assert.Equal("0000:65:00.1 (10de:1aef) in the group of GPU 0000:65:00.0 is on snd_hda_intel, not vfio-pci", failure.Message);
    }

    [Fact]
    public void Verify_ArgTwiceMissingDevVfioAndNouveau_AllReported()
    {
        var facts = Good() with { Cmdline = Good().Cmdline + " iommu=pt", VfioGroupDevices = [40, 41, 42], LoadedModules = ["nouveau"] };

        var messages = Verifier.Verify(Host, facts).Select(f => f.Message).ToList();

        Assert.Contains("iommu=pt is on the kernel command line 2 times", messages);
        Assert.Contains("/dev/vfio/43 is missing for GPU 0000:b2:00.0", messages);
        Assert.Contains("nouveau is loaded on the host", messages);
    }

    [Fact]
    public void Verify_IommuOff_SaysSoForEachGpu()
    {
        var facts = Good() with { Cmdline = "BOOT_IMAGE=/vmlinuz ro", PciDevices = [.. Good().PciDevices.Select(d => d with { IommuGroup = null, Driver = "nouveau" })] };

        var messages = Verifier.Verify(Host, facts).Select(f => f.Message).ToList();

        Assert.Contains("the running kernel lacks intel_iommu=on", messages);
        Assert.Equal(4, messages.Count(m => m.EndsWith("has no IOMMU group", StringComparison.Ordinal)));
    }
}
