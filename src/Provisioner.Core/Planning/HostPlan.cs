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

    /// <summary>A blocking pre-flight finding: nothing on this host is changed.</summary>
    public bool Blocked => Findings.Any(f => f.Blocks);
}
