namespace Provisioner.Core.Desired;

/// <summary>
/// A whole file Provisioner owns on a host. <see cref="Sensitive"/> files hold secret
/// references and are never shown in a plan or log.
/// </summary>
public sealed record ManagedFile(
    string Path,
    string Content,
    string Mode,
    string Owner,
    string Group,
    bool Sensitive,
    IReadOnlyList<Trigger> Triggers,
    string Template,
    string Purpose);
