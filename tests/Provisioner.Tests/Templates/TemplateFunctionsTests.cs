using Provisioner.Core.Templates;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Templates;

/// <summary>
/// The filters templates use (xml, yaml_quote, shell_quote, indent) are bound as direct delegates,
/// not imported by reflection: they must still convert arguments as Scriban does, and a template
/// that calls one wrongly must get a PRV040 naming its line, not a crash.
/// </summary>
public sealed class TemplateFunctionsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("{{ 'a<b & \"c\"' | xml }}", "a&lt;b &amp; &quot;c&quot;")]
    [InlineData("{{ 'plain' | xml }}", "plain")]
    [InlineData("{{ 42 | xml }}", "42")]
    [InlineData("{{ \"it's\" | shell_quote }}", "'it'\\''s'")]
    [InlineData("{{ 'a: b' | yaml_quote }}", "\"a: b\"")]
    [InlineData("{{ \"x\\ny\" | indent 4 }}", "x\n    y")]
    [InlineData("{{ \"x\\ny\" | indent '2' }}", "x\n  y")]
    [InlineData("{{ null | xml }}", "")]
    public void Filters_ConvertTheirArgumentsAsScribanDoes(string template, string expected)
    {
        using var templates = Library(template, out _);
        var outcome = templates.Render("t.sbn", new Dictionary<string, object?>());
        Assert.Null(outcome.Error);
        Assert.Equal(expected, outcome.Text);
    }

    /// <summary>Indent is written by hand for speed: it must give what trim-then-replace gave.</summary>
    [Theory]
    [InlineData("", 6)]
    [InlineData("one line", 6)]
    [InlineData("one line\n", 6)]
    [InlineData("a\nb\n\nc\n\n\n", 6)]
    [InlineData("\n\nlead", 2)]
    [InlineData("\n", 4)]
    [InlineData("a\r\nb", 3)]
    [InlineData("x\ny", 0)]
    public void Indent_PadsEveryLineButTheFirst_AndDropsTrailingNewlines(string text, int spaces)
    {
        var expected = text.TrimEnd('\n').Replace("\n", "\n" + new string(' ', spaces), StringComparison.Ordinal);
        Assert.Equal(expected, TemplateFunctions.Indent(text, spaces));
    }

    [Theory]
    [InlineData("line one\n{{ 'x' | indent }}\n")]
    [InlineData("line one\n{{ 'x' | xml 1 2 }}\n")]
    public void AWrongArgumentCount_IsAPrv040AtTheTemplatesLine(string template)
    {
        using var templates = Library(template, out var path);
        var outcome = templates.Render("t.sbn", new Dictionary<string, object?>());

        Assert.Null(outcome.Text);
        Assert.NotNull(outcome.Error);
        Assert.Equal("PRV040", outcome.Error!.Code);
        Assert.Equal(path, outcome.Error.Location!.File);
        Assert.Equal(2, outcome.Error.Location!.Line);

    }

    private TemplateLibrary Library(string template, out string path)
    {
        path = _directory.File("t.sbn", template);
        return new TemplateLibrary(_directory.Path);
    }
}
