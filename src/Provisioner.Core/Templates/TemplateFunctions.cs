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
        // Bound as direct delegates (see DirectFunction), not imported: Scriban calls an imported
        // method through reflection on every use.
        functions.Add("yaml_quote", DirectFunction.Of(YamlQuote));
        functions.Add("shell_quote", DirectFunction.Of(ShellQuote));
        functions.Add("xml", DirectFunction.Of(Xml));
        functions.Add("indent", DirectFunction.Of(Indent, "spaces"));
        return functions;
    }

    public static string ShellQuote(string? text) => Shell.ShellQuote.Quote(text);

    /// <summary>A JSON string is a valid YAML double-quoted scalar: safe for any text.</summary>
    public static string YamlQuote(string? text) => JsonSerializer.Serialize(text ?? "", JsonOptions);

    /// <summary>
    /// Escapes &amp; &lt; &gt; ' and " as the five XML entities. SecurityElement.Escape does exactly
    /// that, and hands the text back uncopied when there is nothing to escape.
    /// </summary>
    public static string Xml(string? text) => System.Security.SecurityElement.Escape(text ?? "");

    /// <summary>Indents every line but the first by <paramref name="spaces"/> (for YAML block scalars).</summary>
    /// <remarks>
    /// One copy, sized up front: user-data indents three documents per VM, and trimming then
    /// replacing made two (a tenth of a 1,000 x 8 plan's allocations).
    /// </remarks>
    public static string Indent(string? text, int spaces)
    {
        var body = (text ?? "").AsSpan().TrimEnd('\n');
        var breaks = body.Count('\n');
        if (breaks == 0 || spaces <= 0)
        {
            return body.Length == (text ?? "").Length ? text ?? "" : body.ToString();
        }

        return string.Create(body.Length + (breaks * spaces), (Text: text!, Length: body.Length, Spaces: spaces), static (target, state) =>
        {
            var source = state.Text.AsSpan(0, state.Length);
            while (true)
            {
                var line = source.IndexOf('\n');
                if (line < 0)
                {
                    source.CopyTo(target);
                    return;
                }

                source[..(line + 1)].CopyTo(target);
                target[(line + 1)..(line + 1 + state.Spaces)].Fill(' ');
                target = target[(line + 1 + state.Spaces)..];
                source = source[(line + 1)..];
            }
        });
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
