using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Desired;

/// <summary>
/// What differs between OS families: packages, how the initramfs and GRUB are rebuilt, and
/// which network files are written. One place, so adding a family is one switch arm each.
/// </summary>
public sealed record OsProfile(
    OsFamily Os,
    IReadOnlyList<string> Packages,
    string Initramfs,
    string KernelArgsMethod,
    string NetworkStyle)
{
    public bool IsEl => Os is OsFamily.El7 or OsFamily.El8 or OsFamily.El9;

    public static OsProfile For(OsFamily os) => os switch
    {
        // CentOS 7's own qemu-kvm (1.5.3) cannot run a q35 domain with secure-boot OVMF: the Virt
        // SIG's qemu-kvm-ev can, as the field runs it (its repository comes with centos-release-qemu-ev).
        OsFamily.El7 => new(os, ["centos-release-qemu-ev", "qemu-kvm-ev", "libvirt", "OVMF", "genisoimage", "qemu-img", "pciutils"], "dracut", "grub-default", "ifcfg"),
        OsFamily.El8 => new(os, ["qemu-kvm", "libvirt", "edk2-ovmf", "genisoimage", "qemu-img", "pciutils"], "dracut", "grubby", "ifcfg"),
        OsFamily.El9 => new(os, ["qemu-kvm", "libvirt", "edk2-ovmf", "xorriso", "qemu-img", "pciutils"], "dracut", "grubby", "keyfile"),
        OsFamily.Debian => new(os, ["qemu-system-x86", "libvirt-daemon-system", "ovmf", "genisoimage", "qemu-utils", "pciutils", "bridge-utils", "ifenslave"], "initramfs-tools", "grub-dropin", "ifupdown"),
        OsFamily.Ubuntu => new(os, ["qemu-system-x86", "libvirt-daemon-system", "ovmf", "genisoimage", "qemu-utils", "pciutils"], "initramfs-tools", "grub-dropin", "netplan"),
        _ => throw new ArgumentOutOfRangeException(nameof(os), os, "resolve 'auto' before asking for a profile"),
    };
}
