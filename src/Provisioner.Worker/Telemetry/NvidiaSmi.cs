using System.Diagnostics;

namespace Provisioner.Worker.Telemetry;

/// <summary>What one nvidia-smi run printed (stdout and stderr together, as a user sees it) and its exit code; null when it could not start.</summary>
public sealed record SmiOutput(int ExitCode, string Text);

/// <summary>
/// Runs nvidia-smi with a list of arguments (no shell) and a deadline: a driver that hangs (a GPU
/// that fell off the bus does that) must not hang the worker's heartbeat with it.
/// </summary>
public sealed class NvidiaSmi(string path)
{
    public string Path { get; } = path;

    /// <summary>How long one call may take; nvidia-smi answers in well under a second with persistence mode on.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Runs it; throws <see cref="System.ComponentModel.Win32Exception"/> when it cannot start (no driver in this VM).</summary>
    public async Task<SmiOutput> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Path} did not start");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return new SmiOutput(process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return new SmiOutput(-1, $"{Path} did not answer within {Deadline.TotalSeconds:0} s");
        }
    }
}
