using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace Provisioner.Core.Templates;

/// <summary>
/// Resolves <c>{{ include "host/_part.sbn" }}</c> the way top-level templates are found: an
/// inventory's override directory first, then the built-in templates. Partials start with '_'.
/// </summary>
internal sealed class IncludeLoader(Func<string, string> pathOf, Func<string, string?> read) : ITemplateLoader
{
    public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName) => pathOf(templateName);

    public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
        read(templatePath) ?? throw new FileNotFoundException($"template '{templatePath}' not found", templatePath);

    public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
        new(read(templatePath));
}
