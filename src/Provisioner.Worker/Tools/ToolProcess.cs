using System.Diagnostics;

namespace Provisioner.Worker.Tools;

/// <summary>What one tool run printed (stdout and stderr together, as a user sees it) and its exit code (-1: killed at the deadline).</summary>
public sealed record ToolOutput(int ExitCode, string Text);

/// <summary>
/// Runs a tool with a list of arguments (no shell) and a deadline, for the short questions the
/// worker asks of nvidia-smi and Blender: a tool that hangs (a GPU that fell off the bus makes
/// nvidia-smi hang) must not hang the worker with it.
/// </summary>
public static class ToolProcess
{
    /// <summary>Runs <paramref name="path"/>; throws <see cref="System.ComponentModel.Win32Exception"/> when it cannot start.</summary>
    public static async Task<ToolOutput> RunAsync(string path, IReadOnlyList<string> arguments, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start");
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(deadline);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timer.Token);
            var stderr = process.StandardError.ReadToEndAsync(timer.Token);
            await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
            return new ToolOutput(process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return new ToolOutput(-1, $"{path} did not answer within {deadline.TotalSeconds:0} s");
        }
    }
}
