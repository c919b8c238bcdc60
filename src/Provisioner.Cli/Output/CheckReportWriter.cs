using Provisioner.Core.Checks;
using Provisioner.Core.Planning;
using Provisioner.Core.Text;
using Provisioner.Remote.Checks;
using Spectre.Console;

namespace Provisioner.Cli.Output;

/// <summary>`check`'s report: per host a table (status, check, what was found), then each warning and failure with its fix; or JSON.</summary>
internal static class CheckReportWriter
{
    public static void Write(IReadOnlyList<HostCheckReport> reports, IReadOnlyList<HostFailure> failures, TextWriter stdout, bool terminal)
    {
        var console = Consoles.For(stdout, terminal);
        foreach (var report in reports)
        {
            var count = (CheckStatus s) => report.Results.Count(r => r.Status == s);
            stdout.WriteLine($"{report.Host} ({report.Os}): {count(CheckStatus.Pass)} pass, {count(CheckStatus.Warn)} warn, {count(CheckStatus.Fail)} fail, {count(CheckStatus.Skip)} skipped");
            var table = new Table().Border(TableBorder.Simple).AddColumns("status", "check", "found");
            foreach (var result in report.Results)
            {
                table.AddRow(Status(result.Status), Markup.Escape(result.Check.Id), Markup.Escape(string.Join("; ", result.Details)));
            }

            console.Write(table);
            foreach (var result in report.Results.Where(r => r.Status is CheckStatus.Fail or CheckStatus.Warn))
            {
                stdout.WriteLine($"  {(result.Status == CheckStatus.Fail ? "x" : "!")} {result.Check.Id}: {result.Check.Title}");
                foreach (var detail in result.Details)
                {
                    stdout.WriteLine($"      {detail}");
                }

                stdout.WriteLine($"      fix: {result.Fix}");
            }

            stdout.WriteLine();
        }

        foreach (var failure in failures)
        {
            stdout.WriteLine($"{failure.Host}: not checked: {failure.Message}");
            stdout.WriteLine($"      fix: {failure.Fix}");
        }

        stdout.WriteLine($"Check: {reports.Count(r => !r.Failed && !r.Warned)} hosts pass, {reports.Count(r => !r.Failed && r.Warned)} with warnings, {reports.Count(r => r.Failed)} failing, {failures.Count} not reached.");
    }

    public static string ToJson(IReadOnlyList<HostCheckReport> reports, IReadOnlyList<HostFailure> failures) => JsonOutput.Serialize(new
    {
        FormatVersion = 2, // 2: unreached hosts say "fix" (was "hint")
        Hosts = reports.Select(r => new
        {
            r.Host,
            r.Os,
            Status = r.Results.Select(x => x.Status).DefaultIfEmpty(CheckStatus.Pass).Max(),
            Checks = r.Results.Select(x => new { x.Check.Id, x.Check.Title, x.Status, x.Details, x.Fix }),
        }),
        Unreached = failures.Select(f => new { f.Host, f.Message, f.Fix }),
    });

    private static string Status(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "[green]pass[/]",
        CheckStatus.Warn => "[yellow]WARN[/]",
        CheckStatus.Fail => "[red]FAIL[/]",
        _ => "skip",
    };
}
