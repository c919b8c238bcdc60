using System.Text.Json;
using System.Text.RegularExpressions;
using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>`provision plan` against live lab hosts: facts over SSH, per-host outcomes, findings that block.</summary>
[Collection(LabCollection.Name)]
public sealed class LivePlanTests(Lab lab)
{
    private readonly Lab _lab = lab;

    private static string Inventory(TempDirectory dir) => dir.File("lab.yaml", $$"""
        version: 1
        defaults:
          ssh: { user: root, identity_file: {{Lab.Root}}/keys/admin_ed25519, known_hosts: {{Lab.KnownHosts}} }
          gpu_model:
            functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }]
          vm:
            image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
            users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
            worker: { kind: none }
        hosts:
          - name: h5
            address: {{Lab.Address("h5")}}
            os: auto
            memory: 256GiB
            gpus: [{ address: "65:00.0" }, { address: "66:00.0" }, { address: "b1:00.0" }, { address: "b2:00.0" }]
          - name: h3
            address: {{Lab.Address("h3")}}
            os: debian
            gpus: [{ address: "01:00.0" }]
          - name: gone
            address: 127.0.2.250
        """);

    [Fact]
    public async Task Plan_LabHosts_PlansReachableHostsBlocksTheUnisolatedGpuAndReportsTheUnreachable()
    {
        // h3's IOMMU must be on for its groups to exist (as after a first apply).
        Lab.BootWithCmdline("h3", "intel_iommu=on");
        using var dir = new TempDirectory();
        var log = Path.Combine(Lab.Root, "hosts", "h5", "supervisor.log");
        var loginsBefore = Regex.Count(File.ReadAllText(log), "Accepted publickey");

        var result = await CliRunner.RunAsync("plan", Inventory(dir));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("host h5 (debian)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  + file        /etc/modprobe.d/vfio.conf\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  ~ kernel-args +intel_iommu=on +iommu=pt +vfio-pci.ids=10de:1aef,10de:2231 +default_hugepagesz=1G +hugepagesz=1G\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  ! reboot      new kernel arguments; a rebuilt initramfs", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("x BLOCKED: IOMMU group 1 of GPU 0000:01:00.0 also holds 0000:02:00.0 (8086:1533, class 020000)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("host gone: NOT PLANNED: cannot connect to root@127.0.2.250:22", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("1 blocked, 1 unreachable.\n", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(loginsBefore + 1, Regex.Count(File.ReadAllText(log), "Accepted publickey"));
        // Planning changed nothing: no file written, no trigger ran.
        Assert.NotEqual(0, Lab.Ssh("h5", "test -e /etc/modprobe.d/vfio.conf").ExitCode);
        Assert.Equal("", Lab.Ssh("h5", "cat /var/lib/lab/markers.log").Stdout);
    }

    [Fact]
    public async Task Plan_Json_CarriesHostPlansFindingsAndFailures()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("plan", Inventory(dir), "--json", "--limit", "h5,gone");

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.False(json.RootElement.GetProperty("offline").GetBoolean());
        var host = Assert.Single(json.RootElement.GetProperty("hosts").EnumerateArray());
        Assert.Equal("h5", host.GetProperty("host").GetString());
        Assert.True(host.GetProperty("has_changes").GetBoolean());
        Assert.Equal("gone", Assert.Single(json.RootElement.GetProperty("failures").EnumerateArray()).GetProperty("host").GetString());
    }
}
