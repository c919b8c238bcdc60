using System.Text.RegularExpressions;
using System.Xml.Linq;
using Provisioner.Core.Desired;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Libvirt;
using Provisioner.Remote.Ssh;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// Our libvirt binding driving a real libvirtd (the machine's, qemu driver, TCG guests: there is
/// no KVM here) through a lab host's SSH connection: the host has the daemon's socket mounted,
/// and every libvirt call crosses the one SSH login (<see cref="LibvirtTunnel"/>).
/// </summary>
[Collection(LabCollection.Name)]
public sealed class LibvirtTransportTests(Lab lab)
{
    private readonly Lab _lab = lab;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A worker domain as Provisioner renders it for a lab inventory (type qemu, no hugepages).</summary>
    private static VmDesiredState RenderedWorker()
    {
        using var dir = new TempDirectory();
        var inventory = dir.File("vm.yaml", """
            version: 1
            defaults:
              gpu_model:
                functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }]
              vm:
                vcpus: 1
                memory: 256MiB
                hugepages: false
                domain_type: qemu
                console: vnc
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }
            hosts:
              - name: tcg-lab
                address: 127.0.2.15
                os: debian
                gpus: [{ address: "65:00.0" }]
            """);
        return Rendered.Hosts(inventory).Single().Vms.Single();
    }

    [Fact]
    public async Task Tunnel_DrivesARealLibvirtdOverTheHostsOneSshLogin()
    {
        var vm = RenderedWorker();
        // This machine has no GPU, no br0 and no seed ISO yet: the domain keeps everything else.
        var xml = XDocument.Parse(vm.Domain.Xml);
        xml.Descendants("hostdev").Remove();
        xml.Descendants("interface").Remove();
        xml.Descendants("disk").Where(d => (string?)d.Attribute("device") == "cdrom").Remove();
        foreach (var disk in new[] { vm.Disks[0].Path, vm.Disks[1].Path })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(disk)!);
            using var file = File.Create(disk);
            file.SetLength(64L << 20);
        }

        var log = Path.Combine(Lab.Root, "hosts", "h15", "supervisor.log");
        var loginsBefore = Regex.Count(File.ReadAllText(log), "Accepted publickey");
        using var ssh = await SshConnection.ConnectAsync(Lab.Target("h15"), Timeout, CancellationToken.None);
        using var tunnel = LibvirtTunnel.Open(ssh, sudo: false);
        try
        {
            using (var libvirt = LibvirtConnection.Open(tunnel.Uri))
            {
                Assert.True(libvirt.LibraryVersion.Major >= 4);
                libvirt.Find(vm.Vm.Name)?.Undefine(nvram: true); // a leftover of an interrupted run
                using var domain = libvirt.Define(xml.ToString());
                domain.Start();
                domain.Autostart = true;

                Assert.Equal(vm.Vm.Name, domain.Name);
                Assert.Equal(DomainState.Running, domain.State);
                Assert.True(domain.Autostart);
                Assert.Contains($"<uuid>{vm.Vm.Uuid}</uuid>", domain.GetXml(LibvirtDomain.XmlFlags.Inactive), StringComparison.Ordinal);
                Assert.Contains("listen='127.0.0.1'", domain.GetXml().Replace('"', '\''), StringComparison.Ordinal);
                Assert.Contains(libvirt.ListAll(), d => d.Name == vm.Vm.Name);

                domain.Destroy();
                Assert.Equal(DomainState.ShutOff, domain.State);
                domain.Undefine(nvram: true);
                Assert.Null(libvirt.Find(vm.Vm.Name));
            }

            // A second libvirt connection is a second channel on the same SSH connection.
            using (var again = LibvirtConnection.Open(tunnel.Uri))
            {
                Assert.DoesNotContain(again.ListAll(), d => d.Name == vm.Vm.Name);
            }
        }
        finally
        {
            foreach (var disk in vm.Disks)
            {
                File.Delete(disk.Path);
            }
        }

        Assert.Equal(loginsBefore + 1, Regex.Count(File.ReadAllText(log), "Accepted publickey"));
    }

    [Fact]
    public void Open_DaemonAskingForSaslCredentials_IsAnsweredByOurCallback()
    {
        // tests/lab/libvirtd.sh: the machine's libvirtd also listens on 127.0.0.1:16509 and asks for SASL credentials.
        var password = File.ReadAllText(Path.Combine(Lab.Root, "libvirt-password")).TrimEnd('\n');
        const string Uri = "qemu+tcp://127.0.0.1/system";

        using (var libvirt = LibvirtConnection.Open(Uri, new LibvirtCredentials("provision-lab", password)))
        {
            Assert.True(libvirt.LibraryVersion.Major >= 4);
        }

        var none = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open(Uri));
        var wrong = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open(Uri, new LibvirtCredentials("provision-lab", "not-" + password)));

        Assert.Contains("libvirt asked for authname; set libvirt_auth in the inventory", none.Message, StringComparison.Ordinal);
        Assert.Contains("authentication failed", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tunnel_HostWithoutALibvirtSocket_FailsWithLibvirtsOwnError()
    {
        using var ssh = await SshConnection.ConnectAsync(Lab.Target("h5"), Timeout, CancellationToken.None);
        using var tunnel = LibvirtTunnel.Open(ssh, sudo: false);

        var error = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open(tunnel.Uri));

        Assert.Contains("open qemu+unix:///system", error.Message, StringComparison.Ordinal);
    }
}
