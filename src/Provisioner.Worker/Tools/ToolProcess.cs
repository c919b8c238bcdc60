using System.Diagnostics;

namespace Provisioner.Worker.Tools;

/// <summary>What one tool run printed (stdout and stderr together, as a user sees it) and its exit code (-1: killed at the deadline, or never started).</summary>
public sealed record ToolOutput(int ExitCode, string Text)
{
    /// <summary>Why the tool could not start at all (not installed, not executable: the system's words), else null.</summary>
    public string? StartFailure { get; init; }
}

/// <summary>
/// Runs a tool with a list of arguments (no shell) and a deadline, for the short questions the
/// worker asks of nvidia-smi and Blender: a tool that hangs (a GPU that fell off the bus makes
/// nvidia-smi hang) must not hang the worker with it.
/// </summary>
public static class ToolProcess
{
    /// <summary>
    /// Runs <paramref name="path"/>. A tool that cannot start is an answer (<see cref="ToolOutput.StartFailure"/>),
    /// not an exception: a VM without the NVIDIA driver has no nvidia-smi, and that is a reason to
    /// refuse GPU work, never a crash of the worker.
    /// </summary>
    public static async Task<ToolOutput> RunAsync(string path, IReadOnlyList<string> arguments, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ToolOutput(-1, "") { StartFailure = e.Message };
        }

        using var process = started ?? throw new InvalidOperationException($"{path} did not start");
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
