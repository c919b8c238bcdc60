using Provisioner.Core.Discovery;
using Provisioner.Core.Facts;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Discovery;

/// <summary>The discover snippet on hand-made facts: what a host driver holds now becomes the function's host_driver.</summary>
public sealed class DiscoverySnippetTests
{
    private static HostFacts AmdHost() => new("w6800", new Dictionary<string, string> { ["ID"] = "debian", ["VERSION_ID"] = "12" }, "6.1.0", "b", "BOOT_IMAGE=/vmlinuz ro",
        new Dictionary<string, FileFacts>(),
        [
            new PciDeviceFacts("0000:c1:00.0", "1002:73a3", "030000", "amdgpu", null, 0),
            new PciDeviceFacts("0000:c1:00.1", "1002:ab28", "040300", "snd_hda_intel", null, 0),
        ],
        [new NumaNodeFacts(0, 128L << 20, 0, 0, 0, 0) { Cpus = "0-31" }], [], [], [], [], [])
    {
        Cpu = new CpuFacts("AuthenticAMD", "EPYC", 32, "svm"),
    };

    [Fact]
    public void Yaml_GpuOnAmdgpu_NamesItAsHostDriver_TheAudioDriverIsAlwaysCovered_AndTheSnippetLoads()
    {
        var yaml = DiscoverySnippet.Yaml([DiscoveredHost.From(AmdHost(), "w6800", "10.0.0.9")]);

        Assert.Contains("        - { function: 0, id: \"1002:73a3\", host_driver: amdgpu }   # class 030000\n", yaml, StringComparison.Ordinal);
        Assert.Contains("        - { function: 1, id: \"1002:ab28\" }   # class 040300\n", yaml, StringComparison.Ordinal);

        using var dir = new TempDirectory();
        var inventory = dir.File("inventory.yaml", """
            version: 1
            defaults:
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }

            """ + yaml);
        var loaded = InventoryLoader.LoadFile(inventory);
        Assert.True(loaded.Inventory is not null, string.Join("\n", loaded.Diagnostics.Select(d => d.Message)));
        Assert.Equal(["amdgpu", null], loaded.Inventory.Hosts.Single().Gpus.Single().Functions.Select(f => f.HostDriver));
    }

    /// <summary>
    /// A host's own text is data (issue 15): a newline in PRETTY_NAME or the CPU model must not end
    /// the comment and add keys, a quote in a pci.ids name must not end a value. The snippet still
    /// loads, with no key the host planted.
    /// </summary>
    [Fact]
    public void Yaml_HostileHostText_StaysInsideItsCommentOrValue_AndTheSnippetLoads()
    {
        var facts = AmdHost() with
        {
            OsRelease = new Dictionary<string, string> { ["ID"] = "debian", ["VERSION_ID"] = "12", ["PRETTY_NAME"] = "Debian\n    evil: 1\u001b]0;pwned\u0007" },
            Kernel = "6.1.0\n  - name: planted",
            Cpu = new CpuFacts("AuthenticAMD", "EPYC\r\n    os: centos7", 32, "svm"),
        };

        var yaml = DiscoverySnippet.Yaml([DiscoveredHost.From(facts, "w6800", "10.0.0.9")]);

        Assert.Contains("  # Debian\\n    evil: 1\\x1b]0;pwned\\x07, kernel 6.1.0\\n  - name: planted; EPYC\\r\\n    os: centos7 (32 CPUs", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain(yaml, c => char.IsControl(c) && c != '\n');
        Assert.Equal(1, yaml.Split('\n').Count(l => l.TrimStart().StartsWith("- name:", StringComparison.Ordinal)));
        Assert.Contains("    address: \"10.0.0.9\"\n", yaml, StringComparison.Ordinal);

        using var dir = new TempDirectory();
        var inventory = dir.File("inventory.yaml", """
            version: 1
            defaults:
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }

            """ + yaml);
        var loaded = InventoryLoader.LoadFile(inventory);
        Assert.True(loaded.Inventory is not null, string.Join("\n", loaded.Diagnostics.Select(d => d.Message)));
        var host = loaded.Inventory.Hosts.Single();
        Assert.Equal(("w6800", "10.0.0.9"), (host.Name, host.Address));
    }
}
