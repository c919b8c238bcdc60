using System.Collections.Concurrent;
using System.Globalization;
using Provisioner.Core.Diagnostics;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Provisioner.Core.Templates;

/// <summary>
/// Finds, parses (once) and renders Scriban templates. A template in the inventory's override
/// directory wins over the built-in one of the same relative name. Rendering is strict (an
/// unknown variable is an error), culture-invariant and LF-only, so the same model always
/// gives the same bytes. Errors come back as PRV040 diagnostics naming the template's line.
/// </summary>
public sealed class TemplateLibrary : IDisposable
{
    private readonly string _builtIn;
    private readonly string? _overrides;
    private readonly ConcurrentDictionary<string, Lazy<(Template? Template, Diagnostic? Error)>> _parsed = new(StringComparer.Ordinal);
    private readonly ScriptObject _functions = TemplateFunctions.Create();
    private readonly ThreadLocal<TemplateContext> _contexts;

    public TemplateLibrary(string builtInDirectory, string? overrideDirectory = null)
    {
        _builtIn = builtInDirectory;
        _overrides = overrideDirectory;
        _contexts = new ThreadLocal<TemplateContext>(NewContext);
    }

    /// <summary>The templates/ directory shipped beside the executable (copied there at build).</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "templates");

    public string PathOf(string name)
    {
        if (_overrides is not null)
        {
            var candidate = Path.Combine(_overrides, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(_builtIn, name);
    }

    /// <summary>Renders template <paramref name="name"/> (e.g. "host/modprobe-vfio.conf.sbn") with the given globals.</summary>
    public RenderOutcome Render(string name, IReadOnlyDictionary<string, object?> globals)
    {
        var (template, error) = _parsed.GetOrAdd(name, n => new Lazy<(Template?, Diagnostic?)>(() => Parse(n))).Value;
        if (template is null)
        {
            return new RenderOutcome(null, error);
        }

        // A TemplateContext is costly to build and not thread-safe: one per thread, globals pushed per render.
        var context = _contexts.Value!;
        var scope = new ScriptObject();
        foreach (var (key, value) in globals)
        {
            scope.Add(key, value);
        }

        context.PushGlobal(scope);
        try
        {
            var text = template.Render(context);
            return new RenderOutcome(text.Replace("\r\n", "\n", StringComparison.Ordinal), null);
        }
        catch (ScriptRuntimeException e)
        {
            _contexts.Value = NewContext(); // a failed render may leave state behind: start the next one clean
            return new RenderOutcome(null, DiagnosticCodes.TemplateError.At(Locate(e.Span), e.OriginalMessage,
                "a template may only use the variables documented in docs/templates.md"));
        }
        finally
        {
            if (ReferenceEquals(context, _contexts.Value))
            {
                context.PopGlobal();
            }
        }
    }

    /// <summary>Every template rendered (or tried) through this library so far, by name: each is parsed once, on first use.</summary>
    public IReadOnlyCollection<string> Used => [.. _parsed.Keys];

    public void Dispose() => _contexts.Dispose();

    private TemplateContext NewContext()
    {
        var context = new TemplateContext(_functions)
        {
            StrictVariables = true,
            NewLine = "\n",
            LoopLimit = 100_000,
            EnableRelaxedMemberAccess = false,
            AutoIndent = false, // indentation is explicit, through the indent filter
            TemplateLoader = new IncludeLoader(PathOf, ReadText),
        };
        context.PushCulture(CultureInfo.InvariantCulture);
        return context;
    }

    private (Template?, Diagnostic?) Parse(string name)
    {
        var path = PathOf(name);
        var text = ReadText(path);
        if (text is null)
        {
            return (null, DiagnosticCodes.TemplateError.At(new SourceLocation(path, 1, 1), $"template '{name}' not found",
                "restore the built-in templates directory or the override file"));
        }

        var template = Template.Parse(text, path);
        if (template.HasErrors)
        {
            var first = template.Messages[0];
            return (null, DiagnosticCodes.TemplateError.At(Locate(first.Span), first.Message, "fix the template syntax"));
        }

        return (template, null);
    }

    /// <summary>A template file's text; a built-in one missing on disk comes from the assembly (see <see cref="BuiltInTemplates"/>).</summary>
    private string? ReadText(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path);
        }

        var builtIn = Path.GetRelativePath(_builtIn, path);
        return builtIn.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(builtIn) ? null : BuiltInTemplates.Read(builtIn);
    }

    private static SourceLocation Locate(SourceSpan span) =>
        new(span.FileName ?? "template", span.Start.Line + 1, span.Start.Column + 1);
}

public sealed record RenderOutcome(string? Text, Diagnostic? Error);
