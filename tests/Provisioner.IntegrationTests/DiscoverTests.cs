using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// `provision discover` on lab hosts: the tables name each GPU with its model, IOMMU group,
/// companions and driver; the --yaml snippet, pasted under an inventory's defaults, validates and
/// plans live against the same host with no error.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class DiscoverTests(Lab lab)
{
    private readonly Lab _lab = lab;

    [Fact]
    public async Task Discover_Tables_ShowGpusGroupsNodesAndNics()
    {
        Lab.BootWithCmdline("h3", "intel_iommu=on");
        var result = await CliRunner.RunAsync(["discover", "root@" + Lab.Address("h5"), Lab.Address("h3"), .. Lab.DiscoverAccess]);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("h5 (127.0.2.5): Debian GNU/Linux 12 (bookworm)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  0000:b1:00.0   10de:2231   GA102GL [RTX A5000]   -       1:10de:1aef   -               1      nouveau", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  enp23s0f0   52:54:00:17:00:00   0000:17:00.0", result.Stdout, StringComparison.Ordinal);
        // h3's GPU shares its group with a NIC: shown, as the reason it cannot be passed through.
        Assert.Contains("0000:02:00.0 8086:1533", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_YamlSnippet_ValidatesAndPlansAgainstTheSameHost()
    {
        using var dir = new TempDirectory();
        var snippet = await CliRunner.RunAsync(["discover", Lab.Address("h2"), "--yaml", .. Lab.DiscoverAccess]);
        Assert.True(snippet.ExitCode == 0, snippet.Stdout + snippet.Stderr);
        Assert.Contains("    cpu_vendor: amd\n", snippet.Stdout, StringComparison.Ordinal);
        Assert.Contains("        - { function: 1, id: \"10de:1aef\" }", snippet.Stdout, StringComparison.Ordinal);
        Assert.Equal(8, snippet.Stdout.Split('\n').Count(l => l.StartsWith("      - { address: \"0000:", StringComparison.Ordinal)));

        var inventory = dir.File("discovered.yaml", $$"""
            version: 1
            defaults:
              ssh: { user: root, identity_file: {{Lab.Root}}/keys/admin_ed25519, known_hosts: {{Lab.KnownHosts}} }
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }
            """ + "\n" + snippet.Stdout);

        var validate = await CliRunner.RunAsync("validate", inventory);
        Assert.True(validate.ExitCode == 0, validate.Stdout + validate.Stderr + inventory);
        var plan = await CliRunner.RunAsync("plan", inventory, "--json");
        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        Assert.Contains("\"findings\": []", plan.Stdout, StringComparison.Ordinal); // nothing blocks: every GPU passes pre-flight
        Assert.Contains("h2-gpu7", plan.Stdout, StringComparison.Ordinal);
    }
}
