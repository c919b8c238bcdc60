using Provisioner.Core.Facts;

namespace Provisioner.Tests.Remote;

public sealed class FactsParserTests
{
    private const string Sample = "hostname\tgpu-01\nkernel\t6.1.0\nboot_id\tb-1\ncmdline\tBOOT_IMAGE=/vmlinuz intel_iommu=on\n"
        + "os\tID=\"rocky\"\nos\tVERSION_ID=\"9.4\"\n"
        + "sum\t/etc/modprobe.d/vfio.conf\tab\nmeta\t/etc/modprobe.d/vfio.conf\t644\troot\troot\t1700000000\ncontent\t/etc/modprobe.d/vfio.conf\tb3B0aW9ucyB2ZmlvLXBjaQo=\n"
        + "file\t/etc/dracut.conf.d/vfio.conf\t-\n"
        + "pci\t0000:65:00.0\t0x10de\t0x2231\t0x030000\t0\n"
        + "pci\t0000:17:00.0\t0x8086\t0x10fb\t0x020000\t-1\n"
        + "pcilink\t0000:65:00.0\tdriver\tvfio-pci\npcilink\t0000:65:00.0\tiommu_group\t40\n"
        + "node\t0\t134217728\t0\t0\t48\t48\nmodule\tvfio_pci\nboot\tgrubby\tro intel_iommu=on\ninitramfs\t/boot/initramfs-6.1.0.img\t1700000001\ndev_vfio\t40\nend\tok\n";

    [Fact]
    public void Parse_FileDeviceNodeBootAndVfioRecords()
    {
        var facts = FactsParser.Parse(Sample);

        Assert.Equal(("rocky", "9.4"), (facts.OsId, facts.OsVersionId));
        Assert.Equal("options vfio-pci\n", facts.Files["/etc/modprobe.d/vfio.conf"].Content);
        Assert.Equal("0644", facts.Files["/etc/modprobe.d/vfio.conf"].Mode);
        Assert.False(facts.Files["/etc/dracut.conf.d/vfio.conf"].Exists);
        Assert.Equal(new PciDeviceFacts("0000:65:00.0", "10de:2231", "030000", "vfio-pci", 40, 0), facts.PciDevices[0]);
        Assert.Equal(new PciDeviceFacts("0000:17:00.0", "8086:10fb", "020000", null, null, -1), facts.PciDevices[1]);
        Assert.True(facts.IommuActive);
        Assert.Equal(48, facts.NumaNodes[0].Hugepages1GFree);
        Assert.Equal("ro intel_iommu=on", facts.BootEntries.Single().Arguments);
        Assert.Equal([40], facts.VfioGroupDevices);
    }

    /// <summary>The probe script (probe.sh and its deep part) and the parser agree on every record tag.</summary>
    [Fact]
    public void ProbeScript_EmitsExactlyTheTagsTheParserReads()
    {
        var script = Provisioner.Remote.Facts.FactProbe.Template + Provisioner.Remote.Facts.FactProbe.DeepTemplate;
        var emitted = System.Text.RegularExpressions.Regex.Matches(script, @"(?:printf|print|--qf|--printf) ['""]([a-z_]+)\\t")
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(FactsParser.Tags.Order(StringComparer.Ordinal), emitted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_OutputCutShort_IsAnErrorNotPartialFacts()
    {
        var cut = Sample[..Sample.IndexOf("node", StringComparison.Ordinal)];

        var error = Assert.Throws<FormatException>(() => FactsParser.Parse(cut));

        Assert.Contains("ended early", error.Message, StringComparison.Ordinal);
    }
}
