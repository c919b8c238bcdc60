using Provisioner.Core.Diagnostics;
using Provisioner.Core.Templates;

namespace Provisioner.Core.Desired;

/// <summary>Renders templates for one host, collecting template errors instead of throwing.</summary>
internal sealed class RenderScope(TemplateLibrary templates, List<Diagnostic> errors)
{
    public string Render(string template, params (string Key, object? Value)[] globals)
    {
        var outcome = templates.Render(template, globals.ToDictionary(g => g.Key, g => g.Value, StringComparer.Ordinal));
        if (outcome.Error is not null)
        {
            errors.Add(outcome.Error);
        }

        return outcome.Text ?? "";
    }
}
