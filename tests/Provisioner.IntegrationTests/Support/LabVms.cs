using Provisioner.Remote.Libvirt;

namespace Provisioner.IntegrationTests.Support;

/// <summary>What a test's worker VM leaves in the machine's libvirtd and /var/lib/libvirt, removed after it.</summary>
public static class LabVms
{
    public static void Remove(string vm, string imageSha256)
    {
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        using var domain = libvirt.Find(vm);
        if (domain is not null)
        {
            if (domain.State == DomainState.Running)
            {
                domain.Destroy();
            }

            domain.Undefine(nvram: true);
        }

        foreach (var path in new[] { $"/var/lib/libvirt/images/provision/{vm}-os.raw", $"/var/lib/libvirt/images/provision/{vm}-work.raw", $"/var/lib/libvirt/images/provision/base/{imageSha256}.img" })
        {
            File.Delete(path);
        }

        if (Directory.Exists($"/var/lib/libvirt/provision/{vm}"))
        {
            Directory.Delete($"/var/lib/libvirt/provision/{vm}", recursive: true);
        }
    }
}
