namespace Provisioner.Core.Planning;

/// <summary>
/// One line of a plan: what happens to one resource and why. <see cref="Content"/> is the
/// new text for files and documents (null when <see cref="Sensitive"/>: never printed).
/// </summary>
public sealed record PlannedChange(ChangeAction Action, string Type, string Id, string Reason, string? Content, bool Sensitive);
