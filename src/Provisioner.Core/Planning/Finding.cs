namespace Provisioner.Core.Planning;

/// <summary>A pre-flight result about a host. A blocking finding means the host is not touched; the others proceed.</summary>
public sealed record Finding(bool Blocks, string Message, string Fix);
