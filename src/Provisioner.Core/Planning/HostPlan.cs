namespace Provisioner.Core.Planning;

/// <summary>The ordered changes for one host, the triggers they fire, and whether a reboot follows.</summary>
public sealed record HostPlan(
    string Host,
    string Os,
    IReadOnlyList<PlannedChange> Changes,
    IReadOnlyList<string> Triggers,
    string? RebootReason,
    IReadOnlyList<string> Notes,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<Desired.Trigger> TriggerKinds)
{
    public bool HasChanges => Changes.Any(c => c.Action != ChangeAction.NoOp);

    /// <summary>Set by a live plan: the host and facts it was made from (null offline).</summary>
    public HostFingerprint? Fingerprint { get; init; }

    /// <summary>A hash of what this plan would do: a saved plan is applied only if planning again gives the same.</summary>
    public string Digest => PlanDigest.Of(this);

    /// <summary>Anything for apply to do: changes, triggers or a reboot.</summary>
    public bool HasWork => HasChanges || TriggerKinds.Count > 0 || RebootReason is not null;

    /// <summary>A blocking pre-flight finding: nothing on this host is changed.</summary>
    public bool Blocked => Findings.Any(f => f.Blocks);
}
