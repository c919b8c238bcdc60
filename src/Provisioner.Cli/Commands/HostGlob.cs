using System.Text.RegularExpressions;

namespace Provisioner.Cli.Commands;

/// <summary>--limit: comma-separated globs ('*' and '?') over host names; none means every host.</summary>
internal static class HostGlob
{
    public static bool Matches(string? patterns, string host) =>
        string.IsNullOrWhiteSpace(patterns)
        || patterns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(p => Regex.IsMatch(host, "^" + Regex.Escape(p).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant));
}
