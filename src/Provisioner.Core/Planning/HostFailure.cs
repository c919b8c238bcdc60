namespace Provisioner.Core.Planning;

/// <summary>A host that could not be planned (unreachable, refused, probe failed): a value, the other hosts carry on.</summary>
public sealed record HostFailure(string Host, string Message, string Fix);
