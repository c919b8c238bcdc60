using System.Globalization;
using System.Text;

namespace Provisioner.Core.Text;

/// <summary>
/// Input as it may be printed: a diagnostic must never carry a raw control character from an
/// inventory or a job (an ESC can retitle the terminal or clear it, a newline can forge a line
/// that looks like another diagnostic), nor echo a 10 MB value whole.
/// </summary>
public static class Printable
{
    /// <summary>How much of one value a message shows.</summary>
    public const int MaxValueLength = 80;

    /// <summary>Control characters (C0, DEL, C1, and the Unicode line/paragraph separators and bidi controls) as escapes: \n, \t, \x1b, \u2028.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c < 0x100 && NeedsEscape(c) => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ when NeedsEscape(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    /// <summary>A value for a message: escaped, and cut after <see cref="MaxValueLength"/> characters with its full length said.</summary>
    public static string Value(string value)
    {
        var escaped = Escape(value.Length > MaxValueLength ? value[..MaxValueLength] : value);
        return value.Length > MaxValueLength
            ? escaped + "… (" + value.Length.ToString(CultureInfo.InvariantCulture) + " characters)"
            : escaped;
    }

    /// <summary>True for a character no printed value may hold raw.</summary>
    public static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');

    /// <summary>True when <paramref name="text"/> holds a character <see cref="NeedsEscape"/> names (free text must not).</summary>
    public static bool HasControl(string text) => text.Any(NeedsEscape);
}
