namespace Provisioner.Core.Planning;

/// <summary>What would change on every host. <see cref="FormatVersion"/> versions the JSON form.</summary>
public sealed record Plan(int FormatVersion, string Inventory, bool Offline, IReadOnlyList<HostPlan> Hosts, IReadOnlyList<HostFailure> Failures)
{
    // 2: findings and failures say "fix" (was "hint"), one word for one concept across every output.
    public const int CurrentFormatVersion = 2;

    public int Count(ChangeAction action) => Hosts.Sum(h => h.Changes.Count(c => c.Action == action));

    public bool HasChanges => Hosts.Any(h => h.HasChanges);

    /// <summary>Some host could not be planned, or is blocked by a pre-flight finding.</summary>
    public bool HasErrors => Failures.Count > 0 || Hosts.Any(h => h.Blocked);
}
