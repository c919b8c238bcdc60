using System.Text.RegularExpressions;

namespace Provisioner.Core.Text;

/// <summary>Shell-style globs ('*' any run, '?' one character) as anchored regexes: --limit and known_hosts patterns.</summary>
public static class Glob
{
    public static Regex ToRegex(string pattern, bool ignoreCase = false) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None));
}
