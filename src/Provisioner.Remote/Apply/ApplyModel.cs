using Provisioner.Core.Planning;

namespace Provisioner.Remote.Apply;

/// <summary>How apply runs. Timeouts are per command; <see cref="LongCommandTimeout"/> covers package installs and initramfs rebuilds.</summary>
public sealed record ApplyOptions(
    string RunId,
    string Holder,
    int Parallel,
    int MaxUnavailable,
    TimeSpan CommandTimeout,
    TimeSpan LongCommandTimeout,
    TimeSpan RebootTimeout,
    TimeSpan RebootPollInterval,
    TimeSpan ConnectTimeout)
{
    /// <summary>How long a restarting worker VM may take to shut down before it is stopped hard.</summary>
    public TimeSpan VmShutdownTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>The boundaries of one host's apply, in order; each is reported to the <see cref="IApplyObserver"/> once passed.</summary>
public enum ApplyStep
{
    Locked,
    PackagesInstalled,
    FilesWritten,
    TriggersRan,
    ServicesStarted,
    Rebooting,
    Rebooted,
    Verified,
    VmsReady,
    Unlocked,
}

/// <summary>Sees each host's progress (the console shows it; tests use it to cut a host's connection at a boundary).</summary>
public interface IApplyObserver
{
    void Passed(string host, ApplyStep boundary, string detail);

    void Warning(string host, string message);
}

public enum HostStatus
{
    /// <summary>Nothing to do; the post-conditions hold.</summary>
    Unchanged,

    /// <summary>Changed and verified.</summary>
    Applied,

    /// <summary>A blocking pre-flight finding: nothing was touched.</summary>
    Blocked,

    /// <summary>Unreachable, a step failed, or the post-conditions do not hold.</summary>
    Failed,
}

/// <summary>One host's result: a value, so one host's failure never stops the others.</summary>
public sealed record HostOutcome(
    string Host,
    HostStatus Status,
    int Changes,
    bool Rebooted,
    string? Error,
    string? Fix,
    IReadOnlyList<Finding> Verification,
    TimeSpan Elapsed)
{
    public static HostOutcome FromFailure(HostFailure failure) => new(failure.Host, HostStatus.Failed, 0, false, failure.Message, failure.Fix, [], TimeSpan.Zero);
}
