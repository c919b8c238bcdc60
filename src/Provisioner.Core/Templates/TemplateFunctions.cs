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
        // Imported as static methods, not delegates: Scriban then calls them through typed
        // invokers instead of Delegate.DynamicInvoke (which made domain.xml 3x slower to render).
        functions.Import(typeof(TemplateFunctions), ScriptMemberImportFlags.Method, m => m.Name != nameof(Create), m => KeyNames(m.Name));
        return functions;
    }

    /// <summary>Filter names in templates: yaml_quote, xml, shell_quote, indent.</summary>
    private static string KeyNames(string method) => method switch
    {
        nameof(YamlQuote) => "yaml_quote",
        nameof(ShellQuote) => "shell_quote",
        _ => method.ToLowerInvariant(),
    };

    public static string ShellQuote(string? text) => Shell.ShellQuote.Quote(text);

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
