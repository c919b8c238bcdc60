using Provisioner.Worker.Tools;

namespace Provisioner.Worker.Telemetry;

/// <summary>
/// Runs nvidia-smi with a list of arguments (no shell) and a deadline: a driver that hangs (a GPU
/// that fell off the bus does that) must not hang the worker's heartbeat with it.
/// </summary>
public sealed class NvidiaSmi(string path)
{
    public string Path { get; } = path;

    /// <summary>How long one call may take; nvidia-smi answers in well under a second with persistence mode on.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Runs it; <see cref="Tools.ToolOutput.StartFailure"/> says when it cannot start (no driver in this VM).</summary>
    public Task<ToolOutput> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ToolProcess.RunAsync(Path, arguments, Deadline, cancellationToken);
}
