using System.Globalization;
using Provisioner.Remote.Apply;
using Spectre.Console;

namespace Provisioner.Cli.Output;

/// <summary>The end of an apply on stdout: a table, one row per host, then each problem with its fix.</summary>
internal static class ApplySummary
{
    public static void Write(IReadOnlyList<HostOutcome> outcomes, string runId, TextWriter stdout, bool terminal)
    {
        var console = Consoles.For(stdout, terminal);
        var table = new Table().Border(TableBorder.Simple).AddColumns("host", "result", "changes", "reboot", "time");
        foreach (var outcome in outcomes)
        {
            table.AddRow(Markup.Escape(outcome.Host), Result(outcome.Status), outcome.Changes.ToString(CultureInfo.InvariantCulture),
                outcome.Rebooted ? "yes" : "-", outcome.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s");
        }

        stdout.WriteLine();
        console.Write(table);
        foreach (var outcome in outcomes.Where(o => o.Error is not null))
        {
            stdout.WriteLine($"{outcome.Host}: {outcome.Error}");
            foreach (var finding in outcome.Verification)
            {
                stdout.WriteLine($"  x {finding.Message}");
                stdout.WriteLine($"      fix: {finding.Fix}");
            }

            if (outcome.Verification.Count == 0 && outcome.Fix is not null)
            {
                stdout.WriteLine($"      fix: {outcome.Fix}");
            }
        }

        var count = (HostStatus s) => outcomes.Count(o => o.Status == s);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Apply {runId}: {count(HostStatus.Applied)} applied, {count(HostStatus.Unchanged)} unchanged, {count(HostStatus.Blocked)} blocked, {count(HostStatus.Failed)} failed."));
    }

    private static string Result(HostStatus status) => status switch
    {
        HostStatus.Applied => "[green]applied[/]",
        HostStatus.Unchanged => "unchanged",
        HostStatus.Blocked => "[red]blocked[/]",
        _ => "[red]FAILED[/]",
    };
}
