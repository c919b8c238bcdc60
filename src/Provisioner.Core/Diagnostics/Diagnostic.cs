using System.Globalization;

namespace Provisioner.Core.Diagnostics;

/// <summary>
/// One problem found in the user's input. Bad input is data, not an exception: every loader
/// and validator returns these, all of them at once, and the CLI prints them.
/// </summary>
public sealed record Diagnostic(string Code, Severity Severity, SourceLocation? Location, string Message, string? Fix)
{
    // A net under every message built from input: no raw control character ever reaches a terminal.
    public string Message { get; init; } = Text.Printable.Escape(Message);

    public string? Fix { get; init; } = Fix is null ? null : Text.Printable.Escape(Fix);

    public bool IsError => Severity == Severity.Error;

    /// <summary>Compiler-style text: <c>file:line:col: error PRV002: message</c> then the fix.</summary>
    public override string ToString()
    {
        var where = Location is null ? "" : Location + ": ";
        var severity = Severity.ToString().ToLower(CultureInfo.InvariantCulture);
        var text = $"{where}{severity} {Code}: {Message}";
        return Fix is null ? text : text + "\n    fix: " + Fix;
    }
}
