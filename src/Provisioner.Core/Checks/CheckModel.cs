using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Checks;

/// <summary>Ordered by how bad: a check's status is the worst of its outcomes.</summary>
public enum CheckStatus
{
    Pass,
    Skip,
    Warn,
    Fail,
}

/// <summary>
/// One item of the pocket checklist: a stable id, what it checks, how bad a failure is, the fix in
/// one or two lines and a longer troubleshooting text (the runbook prints it). <see cref="Preflight"/>
/// checks run before apply changes anything (a failure blocks the host); <see cref="Verify"/> checks
/// run on the facts read after apply's reboot, <see cref="VerifyVms"/> after apply made the worker VMs.
/// </summary>
public sealed record CheckDefinition(string Id, string Title, CheckStatus Severity, string Fix, string Troubleshooting)
{
    public bool Preflight { get; init; }

    public bool Verify { get; init; }

    public bool VerifyVms { get; init; }
}

/// <summary>What one check found about one thing; <see cref="Fix"/> replaces the definition's when the cause is specific.</summary>
public sealed record CheckOutcome(CheckStatus Status, string Detail, string? Fix = null)
{
    public static CheckOutcome Pass(string detail) => new(CheckStatus.Pass, detail);

    public static CheckOutcome Skip(string detail) => new(CheckStatus.Skip, detail);
}

/// <summary>A check's verdict on one host: the worst outcome's status, its details, and the fix to apply.</summary>
public sealed record CheckResult(CheckDefinition Check, CheckStatus Status, IReadOnlyList<string> Details, string Fix);

/// <summary>Which checks run, and how strict "the IOMMU is active" is (before a bring-up it cannot be yet).</summary>
public enum CheckMode
{
    /// <summary>Before apply changes anything: the blocking subset.</summary>
    Preflight,

    /// <summary>After apply's reboot: the host-side post-conditions.</summary>
    Verify,

    /// <summary>After apply made the worker VMs: running, autostarted, the GPU inside.</summary>
    VerifyVms,

    /// <summary>`provision check`: everything.</summary>
    All,
}

/// <summary>
/// What the checks look at: the desired state, the facts of one probe, and (check only) what each
/// worker VM's guest agent said about its GPU: null when the guests were not asked, no entry for a
/// VM whose agent did not answer.
/// </summary>
public sealed record CheckInput(HostDesiredState Desired, HostFacts Facts, CheckMode Mode)
{
    public IReadOnlyDictionary<string, GuestReport>? Guests { get; init; }
}

/// <summary>
/// What one VM's guest agent said: <see cref="AgentProblem"/> null when it answered ("not connected"
/// while nothing in the guest listens yet); <see cref="GpuProblem"/> null when exactly one GPU shows
/// inside (or the VM has no GPU to look for); <see cref="GpuSeen"/> the card and driver nvidia-smi named there.
/// </summary>
public sealed record GuestReport(string? AgentProblem, string? GpuProblem)
{
    public string? GpuSeen { get; init; }

    /// <summary>What <see cref="GuestFarmProbe"/> found inside (null: not asked): its problems, empty when the queue answers and the share is writable.</summary>
    public IReadOnlyList<string>? FarmProblems { get; init; }

    /// <summary>The probe's lines that were fine, for the pass line.</summary>
    public IReadOnlyList<string> FarmFine { get; init; } = [];

    public bool AgentAnswered => AgentProblem is null;
}
