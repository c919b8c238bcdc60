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

    /// <summary>
    /// What apply does, in order: the typed steps this plan's lines describe. Not in the JSON form
    /// (steps hold file content, secrets' hashes included); a saved plan's <see cref="Digest"/>
    /// covers them.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<HostStep> Steps { get; init; } = [];

    /// <summary>Set by a live plan: the host and facts it was made from (null offline).</summary>
    public HostFingerprint? Fingerprint { get; init; }

    /// <summary>A hash of what this plan would do: a saved plan is applied only if planning again gives the same.</summary>
    public string Digest => PlanDigest.Of(this);

    /// <summary>Anything for apply to do: changes, triggers or a reboot.</summary>
    public bool HasWork => Steps.Any(s => s is not VerifyHost and not VerifyVms);

    /// <summary>A blocking pre-flight finding: nothing on this host is changed.</summary>
    public bool Blocked => Findings.Any(f => f.Blocks);
}
