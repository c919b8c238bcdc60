using System.Diagnostics;

namespace Provisioner.Worker.Rendering;

/// <summary>How one Blender run ended.</summary>
public sealed record BlenderResult(int ExitCode, bool TimedOut, BlenderLog Log, TimeSpan Elapsed, TimeSpan? FirstFrameAfter);

/// <summary>
/// Runs Blender for one task: arguments as a list (no shell), output read line by line into a
/// <see cref="BlenderLog"/>, a timeout, and on timeout or cancellation the whole process tree
/// killed so no orphan keeps rendering into the task's directory.
/// </summary>
public sealed class BlenderRunner(TimeProvider clock)
{
    public Task<BlenderResult> RunAsync(BlenderCommand command, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken) =>
        RunAsync(command.Blender, command.Arguments(), timeout, onLine, cancellationToken);

    /// <summary>Runs <paramref name="program"/> (Blender, or BlenderProc which runs Blender) and reads its output as Blender's.</summary>
    public async Task<BlenderResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var log = new BlenderLog();
        var gate = new Lock();
        var began = clock.GetTimestamp();
        TimeSpan? firstFrame = null;
        using var process = new Process { StartInfo = start };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                log.Add(line);
                if (firstFrame is null && log.Saved.Count > 0)
                {
                    // Fixed cost: process start to the first saved frame, minus that frame's own time.
                    firstFrame = clock.GetElapsedTime(began) - log.Saved[0].Time;
                }
            }

            onLine?.Invoke(line);
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{program} did not start");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(timeout, clock);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(both.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return new BlenderResult(-1, true, log, clock.GetElapsedTime(began), firstFrame);
        }

        // WaitForExitAsync returns once the output pipes are drained too.
        return new BlenderResult(process.ExitCode, false, log, clock.GetElapsedTime(began), firstFrame);
    }
}
