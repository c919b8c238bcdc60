using System.Text;
using System.Text.Json;
using Scriban.Runtime;

namespace Provisioner.Core.Templates;

/// <summary>
/// The few functions our templates need beyond Scriban's built-ins. Each one escapes for one
/// target syntax, so a template never builds quoting by hand.
/// </summary>
public static class TemplateFunctions
{
    /// <summary>Scriban's built-ins (array, string, ...) plus ours; read-only once made, shared by all renders.</summary>
    public static ScriptObject Create()
    {
        var functions = new Scriban.Functions.BuiltinFunctions();
        functions.Import("yaml_quote", new Func<string?, string>(YamlQuote));
        functions.Import("xml", new Func<string?, string>(Xml));
        functions.Import("shell_quote", new Func<string?, string>(Shell.ShellQuote.Quote));
        functions.Import("indent", new Func<string?, int, string>(Indent));
        return functions;
    }

    /// <summary>A JSON string is a valid YAML double-quoted scalar: safe for any text.</summary>
    public static string YamlQuote(string? text) => JsonSerializer.Serialize(text ?? "", JsonOptions);

    public static string Xml(string? text)
    {
        var builder = new StringBuilder((text ?? "").Length);
        foreach (var c in text ?? "")
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\'' => "&apos;",
                '"' => "&quot;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    /// <summary>Indents every line but the first by <paramref name="spaces"/> (for YAML block scalars).</summary>
    public static string Indent(string? text, int spaces)
    {
        var pad = new string(' ', spaces);
        return (text ?? "").TrimEnd('\n').Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
