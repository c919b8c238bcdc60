using Provisioner.Remote.Apply;
using Spectre.Console;

namespace Provisioner.Cli.Output;

/// <summary>
/// Per-host progress of an apply on stderr (Spectre.Console: colours on a terminal, plain text
/// in a pipe), one line per step as each host passes it; hosts run in parallel, so lines interleave.
/// </summary>
internal sealed class ConsoleProgress(TextWriter stderr, bool terminal) : IApplyObserver
{
    private readonly IAnsiConsole _console = Consoles.For(stderr, terminal);

    private readonly Lock _gate = new();

    public void Passed(string host, ApplyStep boundary, string detail) =>
        Line($"[blue]{Markup.Escape(host)}[/] {Describe(boundary)}: {Markup.Escape(detail)}");

    public void Warning(string host, string message) =>
        Line($"[blue]{Markup.Escape(host)}[/] [yellow]warning[/]: {Markup.Escape(message)}");

    private void Line(string markup)
    {
        lock (_gate)
        {
            _console.MarkupLine(markup);
        }
    }

    private static string Describe(ApplyStep step) => step switch
    {
        ApplyStep.Locked => "locked",
        ApplyStep.PackagesInstalled => "packages installed",
        ApplyStep.FilesWritten => "files written",
        ApplyStep.TriggersRan => "triggers ran",
        ApplyStep.ServicesStarted => "services started",
        ApplyStep.Rebooting => "rebooting",
        ApplyStep.Rebooted => "back up",
        ApplyStep.Verified => "verified",
        ApplyStep.VmsReady => "VMs",
        ApplyStep.Unlocked => "unlocked",
        _ => step.ToString(),
    };
}
