using System.Globalization;
using System.Text;

namespace Provisioner.Benchmark;

/// <summary>
/// Writes a large, valid inventory: HOSTS hosts of GPUS GPUs each, every VM with a static
/// address, alternating OS families so every template family is rendered.
/// </summary>
public static class FleetGenerator
{
    private static readonly string[] OsFamilies = ["el7", "el8", "el9", "debian", "ubuntu"];

    public static string Generate(int hosts, int gpusPerHost)
    {
        var yaml = new StringBuilder();
        yaml.Append("""
            version: 1
            defaults:
              cpu_vendor: amd
              host_reserve: 32GiB
              gpu_model:
                name: NVIDIA RTX A5000
                functions:
                  - { function: 0, id: "10de:2231" }
                  - { function: 1, id: "10de:1aef" }
              vm:
                vcpus: 8
                memory: 24GiB
                image:
                  url: https://images.example.org/jammy-server-cloudimg-amd64.img
                  sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                network: { mode: static, gateway: 10.0.0.1, dns: [10.0.0.2] }
                users:
                  - name: render
                    sudo: true
                    ssh_authorized_keys:
                      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby render@studio
                worker:
                  kind: queue
                  queue_url: redis://10.0.0.5:6379/0
                  queue_password: ${env:RENDER_QUEUE_PASSWORD}
            hosts:

            """);
        for (var h = 0; h < hosts; h++)
        {
            var (b, c) = (h / 250, h % 250);
            yaml.Append(CultureInfo.InvariantCulture, $$"""
                  - name: gpu-{{h:D4}}
                    address: 10.1.{{b}}.{{c + 1}}
                    os: {{OsFamilies[h % OsFamilies.Length]}}
                    memory: 512GiB
                    network:
                      bridge: { name: br0, address: 10.1.{{b}}.{{c + 1}}/16, gateway: 10.1.0.1 }
                      bond: { name: bond0, interfaces: [ens1f0, ens1f1] }
                    gpus:

                """);
            for (var g = 0; g < gpusPerHost; g++)
            {
                var vm = h * gpusPerHost + g;
                yaml.Append(CultureInfo.InvariantCulture,
                    $"      - {{ address: \"0000:{0x10 + g * 0x10:x2}:00.0\", vm: {{ network: {{ address: 10.{2 + vm / 65000}.{vm / 250 % 260}.{vm % 250 + 1}/8 }} }} }}\n");
            }
        }

        return yaml.ToString();
    }
}
