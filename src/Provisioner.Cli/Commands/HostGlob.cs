using Provisioner.Core.Text;

namespace Provisioner.Cli.Commands;

/// <summary>--limit: comma-separated globs ('*' and '?') over host names; none means every host.</summary>
internal static class HostGlob
{
    public static bool Matches(string? patterns, string host) =>
        string.IsNullOrWhiteSpace(patterns)
        || patterns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(p => Glob.ToRegex(p).IsMatch(host));
}
