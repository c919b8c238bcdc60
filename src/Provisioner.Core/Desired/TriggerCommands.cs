using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Desired;

/// <summary>
/// The one table of what each trigger runs on a host, and in which order triggers run (kernel
/// arguments and GRUB before the initramfs). The plan describes triggers from it and apply runs
/// them from it, so a plan always shows the command that will really run.
/// </summary>
public static class TriggerCommands
{
    /// <summary>The command for a trigger, or null for <see cref="Trigger.Reboot"/> (the reboot orchestrator's).</summary>
    public static string? Command(Trigger trigger, OsFamily os, HostPaths paths) => trigger switch
    {
        Trigger.ApplyKernelArgs => "bash " + paths.KernelArgsScript,
        Trigger.RegenerateGrub => "update-grub",
        // EL7's dracut (033) has no --regenerate-all: rebuild the image of the kernel that boots
        // NEXT (grubby's default), not only the running one: after a kernel update they differ.
        Trigger.RebuildInitramfs => os switch
        {
            OsFamily.El7 => "dracut -f --kver \"$(grubby --default-kernel | sed 's|^/boot/vmlinuz-||')\"",
            OsFamily.El8 or OsFamily.El9 => "dracut -f --regenerate-all",
            _ => "update-initramfs -u -k all",
        },
        // daemon-reload first: systemd keeps running a unit file it loaded before we rewrote it.
        Trigger.ReserveHugepages => "systemctl daemon-reload && systemctl enable provision-hugepages.service && systemctl restart provision-hugepages.service",
        _ => null,
    };

    /// <summary>Triggers in the order they run.</summary>
    public static IEnumerable<Trigger> InRunOrder(IEnumerable<Trigger> triggers) => triggers.Distinct().OrderBy(Rank);

    private static int Rank(Trigger trigger) => trigger switch
    {
        Trigger.ApplyKernelArgs => 0,
        Trigger.RegenerateGrub => 1,
        Trigger.RebuildInitramfs => 2,
        Trigger.ReserveHugepages => 3,
        _ => 4,
    };
}
