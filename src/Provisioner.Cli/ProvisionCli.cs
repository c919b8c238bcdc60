using System.CommandLine;
using Provisioner.Cli.Commands;

namespace Provisioner.Cli;

/// <summary>
/// The whole `provision` command, runnable in-process: tests call <see cref="RunAsync"/> with
/// their own writers and assert on stdout, stderr and the exit code.
/// </summary>
public static class ProvisionCli
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, new CliIo(stdout, stderr), cancellationToken);

    /// <summary>With a full <see cref="CliIo"/>: stdin for apply's confirmation, the clock.</summary>
    public static async Task<int> RunAsync(string[] args, CliIo io, CancellationToken cancellationToken)
    {
        var (stdout, stderr) = (io.Out, io.Error);
        var root = new RootCommand("Provisioner: turn bare GPU servers into fleets of Blender render-worker VMs.")
        {
            ValidateCommand.Create(io),
            RenderCommand.Create(io),
            PlanCommand.Create(io),
            ApplyCommand.Create(io),
            CheckCommand.Create(io),
            DiscoverCommand.Create(io),
            RunbookCommand.Create(io),
            SchemaCommand.Create(io),
            Commands.Farm.FarmCommand.Create(io),
            CompletionCommand.Create(io),
        };
        // The one error boundary: an I/O problem with a path the user gave is one line naming it
        // and the OS's reason; anything unexpected is a short message (the trace under --verbose).
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync("error: " + Core.Text.Printable.Escape(e.Message)).ConfigureAwait(false);
            return ExitCodes.Error;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var verbose = args.Contains("--verbose") || args.Contains("-v");
            await stderr.WriteLineAsync($"error: unexpected {e.GetType().Name}: {Core.Text.Printable.Escape(e.Message)}" + (verbose ? "\n" + e : " (run again with --verbose for the details, and report it)")).ConfigureAwait(false);
            return ExitCodes.Error;
        }
    }
}

/// <summary>
/// Where a command writes: stdout for results (kept clean for --json), stderr for diagnostics and
/// progress; <see cref="In"/> answers apply's confirmation (null: nobody can answer);
/// <see cref="Time"/> is the only clock the commands use.
/// </summary>
public sealed record CliIo(TextWriter Out, TextWriter Error)
{
    public TextReader? In { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Colour and terminal width for stdout / stderr (Program sets them; tests and pipes get plain text).</summary>
    public bool OutIsTerminal { get; init; }

    public bool ErrorIsTerminal { get; init; }
}
