using System.Text;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Planning;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Runs a plan's consecutive trigger steps in one command, each with its shell form from
/// <see cref="StepScripts.Trigger"/> (what the runbook prints), stopping at the first failure.
/// </summary>
public static class TriggerRunner
{
    public static async Task<IReadOnlyList<string>> RunAsync(IHostShell connection, IReadOnlyList<RunTrigger> steps, OsFamily os, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ordered = steps.Select(s => (s.Trigger, Command: StepScripts.Trigger(s, os))).Where(t => t.Command is not null).ToList();
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
            var failed = ordered[Math.Min(ran.Count, ordered.Count - 1)];
            throw new RemoteException(connection.HostName, $"'{failed.Command}' failed (exit {result.ExitCode}): {result.Stderr.Trim()}",
                "the files are written; fix the cause and re-run apply (the trigger runs again because its inputs are newer)");
        }

        return ran;
    }
}
