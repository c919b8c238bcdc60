namespace Provisioner.Core.Desired;

/// <summary>An action a changed file makes necessary. Runs once per host, after all files are written.</summary>
public enum Trigger
{
    /// <summary>dracut -f (EL) or update-initramfs -u (Debian/Ubuntu): the vfio config must be in the initramfs.</summary>
    RebuildInitramfs,

    /// <summary>update-grub / grub2-mkconfig: the GRUB drop-in changed.</summary>
    RegenerateGrub,

    /// <summary>Run the rendered kernel-args script (EL: grubby, or GRUB_CMDLINE_LINUX edit + grub2-mkconfig).</summary>
    ApplyKernelArgs,

    /// <summary>Enable and (re)run provision-hugepages.service: each NUMA node's hugepages, now and at every boot.</summary>
    ReserveHugepages,

    /// <summary>No live action is safe (e.g. the network we are connected through): takes effect at reboot.</summary>
    Reboot,
}
