using System.Text.RegularExpressions;

namespace Provisioner.Core.Inventory.Values;

/// <summary>
/// A reference to a secret: <c>${env:NAME}</c> or <c>${file:/absolute/path}</c>. The value is
/// resolved only where it is used on a host, never at load, and never printed: rendered files
/// keep the reference text and are marked sensitive.
/// </summary>
public sealed partial record SecretRef(string Kind, string Name)
{
    public static bool LooksLikeReference(string text) => text.StartsWith("${", StringComparison.Ordinal);

    public static bool TryParse(string text, out SecretRef? secret)
    {
        secret = null;
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var (kind, name) = (match.Groups[1].Value, match.Groups[2].Value);
        var valid = kind == "env" ? EnvName().IsMatch(name) : SafeText.IsAbsolutePath(name);
        secret = valid ? new SecretRef(kind, name) : null;
        return valid;
    }

    public override string ToString() => "${" + Kind + ":" + Name + "}";

    [GeneratedRegex(@"\A\$\{(env|file):([^}]*)\}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    [GeneratedRegex("\\A[A-Za-z_][A-Za-z0-9_]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();
}
