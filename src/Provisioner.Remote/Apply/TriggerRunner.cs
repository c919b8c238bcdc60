using System.Text;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Model;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Runs the triggers a host's changes made necessary, in one command, in the order and with the
/// commands of <see cref="TriggerCommands"/>, stopping at the first failure.
/// </summary>
public static class TriggerRunner
{
    public static async Task<IReadOnlyList<string>> RunAsync(SshConnection connection, IEnumerable<Trigger> triggers, OsFamily os, HostPaths paths, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ordered = TriggerCommands.InRunOrder(triggers).Select(t => (Trigger: t, Command: TriggerCommands.Command(t, os, paths))).Where(t => t.Command is not null).ToList();
        if (ordered.Count == 0)
        {
            return [];
        }

        var script = new StringBuilder("set -e\n");
        foreach (var (trigger, command) in ordered)
        {
            script.Append(command).Append(" >/dev/null\nprintf 'ran\\t%s\\n' ").Append(trigger).Append('\n');
        }

        var result = await connection.RunScriptAsync(script.ToString(), sudo, timeout, cancellationToken).ConfigureAwait(false);
        var ran = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ran\t", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        if (!result.Succeeded)
        {
            var failed = ordered[ran.Count];
            throw new RemoteException(connection.Target.Name, $"'{failed.Command}' failed (exit {result.ExitCode}): {result.Stderr.Trim()}",
                "the files are written; fix the cause and re-run apply (the trigger runs again because its inputs are newer)");
        }

        return ran;
    }
}
