namespace Provisioner.Core.Shell;

/// <summary>
/// The one quoting helper for anything that reaches a POSIX shell. Values are validated at load
/// time already; quoting at use means a validation gap still cannot become an injection.
/// </summary>
public static class ShellQuote
{
    /// <summary>Single-quotes <paramref name="value"/>; an embedded ' becomes '\''.</summary>
    public static string Quote(string? value)
    {
        value ??= "";
        if (value.Length > 0 && value.All(IsPlain))
        {
            return value;
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    public static string Join(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(Quote));

    private static bool IsPlain(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '/' or ':' or '=' or ',' or '+' or '@';
}
