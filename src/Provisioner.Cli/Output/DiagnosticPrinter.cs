using Provisioner.Core.Diagnostics;

namespace Provisioner.Cli.Output;

/// <summary>Prints diagnostics compiler-style to stderr, then a count, so a user fixes them all in one pass.</summary>
public static class DiagnosticPrinter
{
    public static void Print(IReadOnlyList<Diagnostic> diagnostics, TextWriter error)
    {
        foreach (var diagnostic in diagnostics)
        {
            error.WriteLine(diagnostic.ToString());
        }

        var errors = diagnostics.Count(d => d.IsError);
        var warnings = diagnostics.Count(d => d.Severity == Severity.Warning);
        if (errors > 0 || warnings > 0)
        {
            error.WriteLine($"{errors} error(s), {warnings} warning(s).{(errors > 0 ? " Nothing was changed on any host." : "")}");
        }
    }
}
