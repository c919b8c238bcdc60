using Provisioner.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Provisioner.Core.Yaml;

/// <summary>
/// Reads one YAML document into a located <see cref="YamlNode"/> tree. Syntax errors and
/// duplicate keys become diagnostics; anchors and aliases are resolved; a <c>&lt;&lt;</c> merge
/// key copies the keys of the merged mapping that the mapping does not set itself.
/// </summary>
public static class YamlTreeReader
{
    public static YamlNode? Read(string text, string file, DiagnosticBag diagnostics)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, file, anchors, diagnostics);
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
    }

    private static YamlNode ReadNode(IParser parser, string file, Dictionary<string, YamlNode> anchors, DiagnosticBag diagnostics)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }

            throw new YamlException(alias.Start, alias.End, $"alias *{alias.Value.Value} names no anchor defined before it");
        }

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
                items.Add(ReadNode(parser, file, anchors, diagnostics));
            }

            node = new YamlSequence(At(file, sequenceStart.Start), items);
        }
        else
        {
            var mappingStart = parser.Consume<MappingStart>();
            anchor = mappingStart.Anchor.IsEmpty ? null : mappingStart.Anchor.Value;
            node = ReadMapping(parser, file, At(file, mappingStart.Start), anchors, diagnostics);
        }

        if (anchor is not null)
        {
            anchors[anchor] = node;
        }

        return node;
    }

    private static YamlMapping ReadMapping(IParser parser, string file, SourceLocation location,
        Dictionary<string, YamlNode> anchors, DiagnosticBag diagnostics)
    {
        var entries = new List<YamlEntry>();
        var seen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        var merged = new List<YamlEntry>();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(parser, file, anchors, diagnostics);
            var value = ReadNode(parser, file, anchors, diagnostics);
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
