namespace Provisioner.Core.Planning;

/// <summary>The ordered changes for one host, the triggers they fire, and whether a reboot follows.</summary>
public sealed record HostPlan(
    string Host,
    string Os,
    IReadOnlyList<PlannedChange> Changes,
    IReadOnlyList<string> Triggers,
    string? RebootReason,
    IReadOnlyList<string> Notes)
{
    public bool HasChanges => Changes.Any(c => c.Action != ChangeAction.NoOp);
}
