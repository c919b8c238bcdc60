using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Desired;

/// <summary>
/// The host drivers vfio-pci must be loaded before ('softdep DRIVER pre: vfio-pci' in
/// /etc/modprobe.d/vfio.conf): a driver that probes a GPU function first holds it until reboot.
/// </summary>
public static class HostDrivers
{
    /// <summary>Always covered: the NVIDIA drivers and the HDMI audio function's driver.</summary>
    public static readonly IReadOnlyList<string> Always = ["nouveau", "nvidia", "nvidiafb", "snd_hda_intel"];

    /// <summary><see cref="Always"/>, then every host_driver the host's GPU functions name, each once, sorted.</summary>
    public static IReadOnlyList<string> Softdeps(Host host)
    {
        var declared = host.Gpus.SelectMany(g => g.Functions).Select(f => f.HostDriver).OfType<string>()
            .Where(d => !Always.Contains(d, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return [.. Always, .. declared];
    }
}
