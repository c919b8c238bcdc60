namespace Provisioner.Core.Diagnostics;

public enum Severity
{
    Info,
    Warning,
    Error,
}
