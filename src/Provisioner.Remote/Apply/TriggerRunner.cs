using System.Text;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Model;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Runs the triggers a host's changes made necessary, in one command, in a fixed order (kernel
/// arguments and GRUB before the initramfs), stopping at the first failure.
/// </summary>
public static class TriggerRunner
{
    public static string? Command(Trigger trigger, OsFamily os, HostPaths paths) => trigger switch
    {
        Trigger.ApplyKernelArgs => "bash " + paths.KernelArgsScript,
        Trigger.RegenerateGrub => "update-grub",
        // EL7's dracut (033) has no --regenerate-all: rebuild the running kernel's image there.
        Trigger.RebuildInitramfs => os switch
        {
            OsFamily.El7 => "dracut -f",
            OsFamily.El8 or OsFamily.El9 => "dracut -f --regenerate-all",
            _ => "update-initramfs -u -k all",
        },
        Trigger.ReloadSysctl => "sysctl --system",
        _ => null, // Reboot is the orchestrator's, not a command
    };

    public static async Task<IReadOnlyList<string>> RunAsync(SshConnection connection, IEnumerable<Trigger> triggers, OsFamily os, HostPaths paths, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ordered = triggers.Distinct().OrderBy(Rank).Select(t => (Trigger: t, Command: Command(t, os, paths))).Where(t => t.Command is not null).ToList();
        if (ordered.Count == 0)
        {
            return [];
        }

        var script = new StringBuilder("set -e\n");
        foreach (var (trigger, command) in ordered)
        {
            script.Append(command).Append(" >/dev/null\nprintf 'ran\\t%s\\n' ").Append(trigger).Append('\n');
        }

        var result = await connection.RunAsync("sh -s", script.ToString(), timeout, cancellationToken).ConfigureAwait(false);
        var ran = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ran\t", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        if (!result.Succeeded)
        {
            var failed = ordered[ran.Count];
            throw new RemoteException(connection.Target.Name, $"'{failed.Command}' failed (exit {result.ExitCode}): {result.Stderr.Trim()}",
                "the files are written; fix the cause and re-run apply (the trigger runs again because its inputs are newer)");
        }

        return ran;
    }

    private static int Rank(Trigger trigger) => trigger switch
    {
        Trigger.ApplyKernelArgs => 0,
        Trigger.RegenerateGrub => 1,
        Trigger.RebuildInitramfs => 2,
        Trigger.ReloadSysctl => 3,
        _ => 4,
    };
}
