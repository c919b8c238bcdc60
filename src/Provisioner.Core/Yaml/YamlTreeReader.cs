using Provisioner.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Provisioner.Core.Yaml;

/// <summary>
/// Reads one YAML document into a located <see cref="YamlNode"/> tree. Syntax errors and
/// duplicate keys become diagnostics; anchors and aliases are resolved; a <c>&lt;&lt;</c> merge
/// key copies the keys of the merged mapping that the mapping does not set itself.
/// Hostile input is bounded: nesting deeper than <see cref="MaxDepth"/> and aliases that expand
/// past <see cref="MaxExpandedNodes"/> nodes are refused with their location (before the
/// recursion that would overflow the stack, or the fan-out that would take gigabytes), and any
/// exception the YAML scanner throws becomes a located syntax diagnostic.
/// </summary>
public static class YamlTreeReader
{
    /// <summary>Far deeper than any inventory (they nest 5 or 6 levels), far shallower than the stack.</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes the document may hold with every alias expanded: an inventory of 1,000 hosts holds about 50,000.</summary>
    public const long MaxExpandedNodes = 1_000_000;

    // Thrown to unwind the reader at a limit; its location and message become the diagnostic.
    private sealed class LimitException(Mark at, string message, string fix) : Exception(message)
    {
        public Mark At { get; } = at;

        public string Fix { get; } = fix;
    }

    // Each node's size with its aliases expanded, and the document's running total.
    private sealed class Budget
    {
        public readonly Dictionary<YamlNode, long> Sizes = new(ReferenceEqualityComparer.Instance);

        public long Total;
    }

    public static YamlNode? Read(string text, string file, DiagnosticBag diagnostics)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var budget = new Budget();
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, file, anchors, diagnostics, budget, 1);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                diagnostics.Add(DiagnosticCodes.YamlSyntax, At(file, parser.Current!.Start),
                    "the inventory holds more than one YAML document",
                    "keep one document per inventory file: remove the extra '---'");
            }

            return root;
        }
        catch (YamlException e)
        {
            diagnostics.Add(DiagnosticCodes.YamlSyntax, At(file, e.Start), CleanMessage(e),
                "check indentation (spaces only) and that every 'key: value' has a space after the colon");
            return null;
        }
        catch (LimitException e)
        {
            diagnostics.Add(DiagnosticCodes.YamlSyntax, At(file, e.At), e.Message, e.Fix);
            return null;
        }
        catch (InvalidOperationException)
        {
            // The scanner's own failures on some malformed input (an unclosed flow sequence followed
            // by another key): a syntax error at the last event it read, never a stack trace.
            diagnostics.Add(DiagnosticCodes.YamlSyntax, At(file, parser.Current?.Start ?? Mark.Empty), "the YAML ends inside a structure it opened (an unclosed '[' or '{', or a key where a value belongs)",
                "close every '[' and '{' and check the indentation around this line");
            return null;
        }
    }

    private static YamlNode ReadNode(IParser parser, string file, Dictionary<string, YamlNode> anchors, DiagnosticBag diagnostics, Budget budget, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new LimitException(parser.Current?.Start ?? Mark.Empty, $"the YAML nests deeper than {MaxDepth} levels",
                "an inventory nests a few levels: look for a runaway '[' or '{' or an indentation error here");
        }

        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target))
            {
                // An alias stands for its whole target: count it as if written out again.
                Count(budget, budget.Sizes.GetValueOrDefault(target, 1), alias.Start);
                return target;
            }

            throw new YamlException(alias.Start, alias.End, $"alias *{alias.Value.Value} names no anchor defined before it");
        }

        var before = budget.Total;
        var node = ReadOwnNode(parser, file, anchors, diagnostics, budget, depth);
        Count(budget, 1, node.Location is { } at ? new Mark(0, at.Line, at.Column) : Mark.Empty);
        budget.Sizes[node] = budget.Total - before;
        return node;
    }

    private static void Count(Budget budget, long nodes, Mark at)
    {
        budget.Total += nodes;
        if (budget.Total > MaxExpandedNodes)
        {
            throw new LimitException(at, $"the YAML expands to more than {MaxExpandedNodes:N0} nodes with its aliases resolved",
                "aliases that refer to aliases multiply: write the repeated part out, or use fewer levels of '*alias'");
        }
    }

    private static YamlNode ReadOwnNode(IParser parser, string file, Dictionary<string, YamlNode> anchors, DiagnosticBag diagnostics, Budget budget, int depth)
    {
        YamlNode node;
        string? anchor;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
            node = new YamlScalar(At(file, scalar.Start), scalar.Value, scalar.Style == ScalarStyle.Plain);
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            anchor = sequenceStart.Anchor.IsEmpty ? null : sequenceStart.Anchor.Value;
            var items = new List<YamlNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, file, anchors, diagnostics, budget, depth + 1));
            }

            node = new YamlSequence(At(file, sequenceStart.Start), items);
        }
        else
        {
            var mappingStart = parser.Consume<MappingStart>();
            anchor = mappingStart.Anchor.IsEmpty ? null : mappingStart.Anchor.Value;
            node = ReadMapping(parser, file, At(file, mappingStart.Start), anchors, diagnostics, budget, depth);
        }

        if (anchor is not null)
        {
            anchors[anchor] = node;
        }

        return node;
    }

    private static YamlMapping ReadMapping(IParser parser, string file, SourceLocation location,
        Dictionary<string, YamlNode> anchors, DiagnosticBag diagnostics, Budget budget, int depth)
    {
        var entries = new List<YamlEntry>();
        var seen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        var merged = new List<YamlEntry>();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(parser, file, anchors, diagnostics, budget, depth + 1);
            var value = ReadNode(parser, file, anchors, diagnostics, budget, depth + 1);
            if (keyNode is not YamlScalar key)
            {
                diagnostics.Add(DiagnosticCodes.WrongType, keyNode.Location,
                    $"a key must be a plain name, found {keyNode.KindName}", "write keys as simple words: 'name: value'");
                continue;
            }

            if (key.IsPlain && key.Value == "<<")
            {
                merged.AddRange(MergeSource(value, diagnostics));
                continue;
            }

            if (seen.TryGetValue(key.Value, out var first))
            {
                diagnostics.Add(DiagnosticCodes.DuplicateKey, key.Location,
                    $"key '{key.Value}' is given twice in this mapping (first at line {first.Location.Line})",
                    "YAML keeps only one of them: delete or merge the duplicate");
                continue;
            }

            seen[key.Value] = key;
            entries.Add(new YamlEntry(key, value));
        }

        // Keys written in the mapping itself win over keys brought in by '<<'.
        entries.AddRange(merged.Where(e => !seen.ContainsKey(e.Key.Value)).DistinctBy(e => e.Key.Value));
        return new YamlMapping(location, entries);
    }

    private static IEnumerable<YamlEntry> MergeSource(YamlNode value, DiagnosticBag diagnostics) => value switch
    {
        YamlMapping mapping => mapping.Entries,
        YamlSequence sequence => sequence.Items.OfType<YamlMapping>().SelectMany(m => m.Entries),
        _ => Invalid(value, diagnostics),
    };

    private static IEnumerable<YamlEntry> Invalid(YamlNode value, DiagnosticBag diagnostics)
    {
        diagnostics.Add(DiagnosticCodes.WrongType, value.Location, "'<<' merges a mapping, found a scalar",
            "write '<<: *anchor' where the anchor names a mapping");
        return [];
    }

    private static SourceLocation At(string file, Mark mark) => new(file, (int)mark.Line, (int)mark.Column);

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: ...) - (...):"; we print our own location.
    private static string CleanMessage(YamlException e)
    {
        var message = e.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }
}
