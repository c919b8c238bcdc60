using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Support;

/// <summary>An inventory of lab hosts (fleet.yaml in a test's directory), each with the GPUs of its hardware profile.</summary>
public static class LabInventory
{
    public const string A5000Functions = """[{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }]""";

    private static readonly Dictionary<string, string> GpusByProfile = new(StringComparer.Ordinal)
    {
        ["a5000x1"] = "[{ address: \"65:00.0\" }]",
        ["a5000x4"] = "[{ address: \"65:00.0\" }, { address: \"66:00.0\" }, { address: \"b1:00.0\" }, { address: \"b2:00.0\" }]",
        ["hugepages-short"] = "[{ address: \"65:00.0\" }, { address: \"66:00.0\" }, { address: \"b1:00.0\" }, { address: \"b2:00.0\" }]",
        ["epyc-8gpu"] = "[" + string.Join(", ", new[] { "01", "21", "41", "61", "81", "a1", "c1", "e1" }.Select(b => $"{{ address: \"{b}:00.0\" }}")) + "]",
        ["gpu-shares-group-with-nic"] = "[{ address: \"01:00.0\" }]",
        ["iommu-off-in-firmware"] = "[{ address: \"01:00.0\" }]",
    };

    /// <param name="functions">gpu_model.functions as YAML (default: the A5000's VGA and HDMI audio).</param>
    public static string Write(TempDirectory dir, IEnumerable<string> hosts, string user = "root", string functions = A5000Functions)
    {
        var entries = string.Join("\n", hosts.Select(h =>
        {
            var profile = Lab.Hosts.Single(x => x.Host == h).Profile;
            return $"""
                  - name: {h}
                    address: {Lab.Address(h)}
                    cpu_vendor: {(profile == "epyc-8gpu" ? "amd" : "intel")}
                    memory: 512GiB
                    gpus: {GpusByProfile[profile]}
                """;
        }));
        return dir.File("fleet.yaml", $$"""
            version: 1
            defaults:
              ssh: { user: {{user}}, identity_file: {{Lab.Root}}/keys/admin_ed25519, known_hosts: {{Lab.KnownHosts}} }
              os: auto
              gpu_model:
                functions: {{functions}}
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }
            hosts:
            {{entries}}
            """);
    }
}
