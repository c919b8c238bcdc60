using System.CommandLine;
using Provisioner.Cli.Commands;

namespace Provisioner.Cli;

/// <summary>
/// The whole `provision` command, runnable in-process: tests call <see cref="RunAsync"/> with
/// their own writers and assert on stdout, stderr and the exit code.
/// </summary>
public static class ProvisionCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var io = new CliIo(stdout, stderr);
        var root = new RootCommand("Provisioner: turn bare GPU servers into fleets of Blender render-worker VMs.")
        {
            ValidateCommand.Create(io),
            RenderCommand.Create(io),
            PlanCommand.Create(io),
            SchemaCommand.Create(io),
        };
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr };
        return await root.Parse(args).InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Where a command writes: stdout for results (kept clean for --json), stderr for diagnostics and progress.</summary>
public sealed record CliIo(TextWriter Out, TextWriter Error);
