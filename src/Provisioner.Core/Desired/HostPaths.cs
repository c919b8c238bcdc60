namespace Provisioner.Core.Desired;

/// <summary>
/// Where Provisioner keeps things on a host. Everything VM-related lives under /var/lib/libvirt
/// (never /tmp, which may be cleaned at boot); Provisioner's own state under /var/lib/provision.
/// </summary>
public sealed record HostPaths
{
    public static HostPaths Default { get; } = new();

    public string StateDirectory { get; init; } = "/var/lib/provision";

    public string ImageDirectory { get; init; } = "/var/lib/libvirt/images/provision";

    public string SeedDirectory { get; init; } = "/var/lib/libvirt/provision";

    public string NvramDirectory { get; init; } = "/var/lib/libvirt/qemu/nvram";

    public string KernelArgsScript => StateDirectory + "/bin/kernel-args.sh";

    /// <summary>initramfs-tools runs every script in init-top early in the initramfs, before udev loads modules.</summary>
    public const string InitramfsBindScript = "/etc/initramfs-tools/scripts/init-top/provision-vfio-bind";

    /// <summary>dracut takes every module in modules.d whose check() says yes (90: after the stock ones).</summary>
    public const string DracutModule = "/usr/lib/dracut/modules.d/90provision-vfio";

    /// <summary>The per-NUMA-node hugepages reservation, run by <see cref="HugepagesUnit"/> (a fixed path: the unit names it).</summary>
    public const string HugepagesScript = "/usr/local/sbin/provision-hugepages";

    public const string HugepagesUnit = "/etc/systemd/system/provision-hugepages.service";

    public string BaseImage(string sha256) => ImageDirectory + "/base/" + sha256 + ".img";

    public string OsDisk(string vm) => ImageDirectory + "/" + vm + "-os.raw";

    public string WorkDisk(string vm) => ImageDirectory + "/" + vm + "-work.raw";

    public string SeedIso(string vm) => SeedDirectory + "/" + vm + "/seed.iso";

    public string Nvram(string vm) => NvramDirectory + "/" + vm + "_VARS.fd";
}
