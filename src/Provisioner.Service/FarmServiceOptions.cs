using System.Net;

namespace Provisioner.Service;

/// <summary>
/// How the service runs: where it listens and the token writes (and reads from other machines)
/// must carry. Without a token it only answers requests that name this machine.
/// </summary>
public sealed record FarmServiceOptions(IPEndPoint Listen, string? Token)
{
    /// <summary>How long a worker may stay silent before the service shows it lost (tests shorten it).</summary>
    public TimeSpan SilentAfter { get; init; } = Provisioner.Farm.Queue.WorkerStatus.SilentAfter;

    /// <summary>Larger than any job (a job is a few hundred bytes of JSON); a bigger body is refused with 413.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>The most jobs one list answers with.</summary>
    public const int MaxJobs = 1000;
}
