namespace Provisioner.Core.Planning;

/// <summary>What would change on every host. <see cref="FormatVersion"/> versions the JSON form.</summary>
public sealed record Plan(int FormatVersion, string Inventory, bool Offline, IReadOnlyList<HostPlan> Hosts)
{
    public const int CurrentFormatVersion = 1;

    public int Count(ChangeAction action) => Hosts.Sum(h => h.Changes.Count(c => c.Action == action));

    public bool HasChanges => Hosts.Any(h => h.HasChanges);
}
