namespace Provisioner.Core.Diagnostics;

/// <summary>A catalogue entry: a stable code and what it means. Codes are never reused.</summary>
public sealed record DiagnosticDescriptor(string Code, Severity Severity, string Title)
{
    public Diagnostic At(SourceLocation? location, string message, string? fix = null) =>
        new(Code, Severity, location, message, fix);
}
