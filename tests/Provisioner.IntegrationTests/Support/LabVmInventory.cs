using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Support;

/// <summary>
/// An inventory of one lab host with the machine's libvirtd socket and one worker VM that can
/// really start here: no passthrough (no GPU), TCG, small disks, the base image from a local
/// HTTP server, no NUMA pinning unless asked, a queue worker whose password file is in the test's directory.
/// </summary>
public static class LabVmInventory
{
    public static string Write(TempDirectory dir, string host, string os, string imageUrl, string sha256, string memory, string numa = "none", string libvirtUri = "", string libvirtAuth = "", string queue = "redis://127.0.0.1:6379/0", string firmware = "") => dir.File("vm.yaml", $$"""
        version: 1
        defaults:
          ssh: { user: root, identity_file: {{Lab.Root}}/keys/admin_ed25519, known_hosts: {{Lab.KnownHosts}} }
          gpu_model:
            functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }]
          vm:
            vcpus: 1
            memory: {{memory}}
            hugepages: false
            domain_type: qemu
            passthrough: false
            numa: {{numa}}
        {{(firmware.Length > 0 ? "    firmware: " + firmware : "")}}
            os_disk: 64MiB
            work_disk: 32MiB
            network: { bridge: prvlab0 }
            image: { url: "{{imageUrl}}", sha256: {{sha256}} }
            users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
            worker: { kind: queue, queue_url: "{{queue}}", queue_password: "${file:{{dir.Path}}/queue-password}" }
        hosts:
          - name: {{host}}
            address: {{Lab.Address(host)}}
            os: {{os}}
            cpu_vendor: intel
            memory: 256GiB
            gpus: [{ address: "65:00.0" }]
        {{(libvirtUri.Length > 0 ? "    libvirt_uri: \"" + libvirtUri + "\"" : "")}}
        {{(libvirtAuth.Length > 0 ? "    libvirt_auth: " + libvirtAuth : "")}}
        """);
}
