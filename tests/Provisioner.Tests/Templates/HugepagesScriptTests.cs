using Provisioner.Core.Rendering;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Templates;

/// <summary>
/// The rendered provision-hugepages script, run by dash against a sysfs tree laid out as the
/// kernel lays it out (the script's /sys moved under a temporary root; nothing else changed):
/// each node gets its own GPUs' VMs' pages, never the even split the kernel makes of a
/// boot-time hugepages=N. hk-gpu-01 (inventories/example.yaml) has four VMs of 24 one-GiB pages.
/// </summary>
public sealed class HugepagesScriptTests
{
    private static readonly string Script = Rendered.Artifacts(Repo.Path("inventories", "example.yaml"))
        .Single(a => a.RelativePath == "hk-gpu-01/files/usr/local/sbin/provision-hugepages").Content;

    private const string Size = "hugepages-1048576kB";

    private sealed class Sysfs : IDisposable
    {
        private readonly TempDirectory _root = new();

        public Sysfs(int[] nodePages, params (string Address, int Node)[] gpus)
        {
            _root.File($"sys/kernel/mm/hugepages/{Size}/nr_hugepages", nodePages.Sum() + "\n");
            for (var node = 0; node < nodePages.Length; node++)
            {
                _root.File($"sys/devices/system/node/node{node}/hugepages/{Size}/nr_hugepages", nodePages[node] + "\n");
            }

            foreach (var (address, node) in gpus)
            {
                _root.File($"sys/bus/pci/devices/{address}/numa_node", node + "\n");
            }
        }

        public ExternalTool.Result Run(params string[] arguments)
        {
            var script = _root.File("provision-hugepages", Script.Replace("/sys/", _root.Path + "/sys/", StringComparison.Ordinal));
            return ExternalTool.Run("dash", [script, .. arguments]);
        }

        public int Node(int node) => int.Parse(File.ReadAllText(Path.Combine(_root.Path, $"sys/devices/system/node/node{node}/hugepages/{Size}/nr_hugepages")), System.Globalization.CultureInfo.InvariantCulture);

        public void Dispose() => _root.Dispose();
    }

    /// <summary>Three GPUs on node 0 and one on node 1: the boot's even 48 + 48 becomes 72 + 24 (node 1 shrinks first, so its pages can go to node 0).</summary>
    [Fact]
    public void ThreeGpusOnOneNode_ThatNodeHoldsTheirVmsPages()
    {
        using var sysfs = new Sysfs([48, 48], ("0000:65:00.0", 0), ("0000:66:00.0", 0), ("0000:b1:00.0", 0), ("0000:b2:00.0", 1));

        var result = sysfs.Run();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal((72, 24), (sysfs.Node(0), sysfs.Node(1)));
        Assert.Equal("provision-hugepages: node 0 has 72 pages of 1G\nprovision-hugepages: node 1 has 24 pages of 1G\n", result.Stdout);
        Assert.Equal(0, sysfs.Run("--check").ExitCode);
    }

    /// <summary>numa_node -1 (06's WRX90: one node, no device says which) or a device not present: those VMs' pages are spread, here over the one node.</summary>
    [Fact]
    public void NoNumaNodeKnown_ThePagesAreSpreadOverTheNodes()
    {
        using var one = new Sysfs([8], ("0000:65:00.0", -1), ("0000:66:00.0", -1), ("0000:b1:00.0", -1), ("0000:b2:00.0", -1));
        using var two = new Sysfs([0, 0], ("0000:65:00.0", -1), ("0000:66:00.0", 0));

        Assert.Equal(0, one.Run().ExitCode);
        Assert.Equal(0, two.Run().ExitCode);

        Assert.Equal(96, one.Node(0));
        Assert.Equal((60, 36), (two.Node(0), two.Node(1))); // 66 on node 0 (24), then 72 spread
    }

    /// <summary>A node the kernel could not fill (what a write to nr_hugepages leaves on fragmented memory): --check fails and names it.</summary>
    [Fact]
    public void ANodeShortOfItsVmsPages_CheckFailsNamingTheNode()
    {
        using var sysfs = new Sysfs([60, 24], ("0000:65:00.0", 0), ("0000:66:00.0", 0), ("0000:b1:00.0", 0), ("0000:b2:00.0", 1));

        var check = sysfs.Run("--check");

        Assert.Equal(1, check.ExitCode);
        Assert.Contains("node 0 has 60 of 72 pages of 1G", check.Stderr, StringComparison.Ordinal);
        Assert.Equal(60, sysfs.Node(0)); // --check writes nothing
    }

    /// <summary>Before the reboot into hugepagesz=1G the kernel has no 1 GiB size: the live run at apply time says so and succeeds; --check fails.</summary>
    [Fact]
    public void TheSizeNotYetRegistered_TheLiveRunWaitsForTheBoot()
    {
        using var root = new TempDirectory();
        root.File("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
        var script = root.File("provision-hugepages", Script.Replace("/sys/", root.Path + "/sys/", StringComparison.Ordinal));

        var run = ExternalTool.Run("dash", script);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("this kernel has no pages of 1G; the next boot's hugepagesz= registers them", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, ExternalTool.Run("dash", script, "--check").ExitCode);
    }
}
