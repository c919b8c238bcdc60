using Provisioner.Core.Diagnostics;

namespace Provisioner.Core.Yaml;

/// <summary>
/// A YAML node that remembers where it was written, so every later error can name
/// file:line:col. We keep our own tiny tree (not YamlDotNet's RepresentationModel) because we
/// need duplicate-key diagnostics as values instead of exceptions.
/// </summary>
public abstract record YamlNode(SourceLocation Location)
{
    /// <summary>What a user would call this kind of value, for "expected X, found Y" messages.</summary>
    public abstract string KindName { get; }
}

/// <summary>A scalar. <see cref="IsPlain"/> is false for quoted or block scalars (quoted "null" is a string).</summary>
public sealed record YamlScalar(SourceLocation Location, string Value, bool IsPlain) : YamlNode(Location)
{
    public override string KindName => "a scalar";

    /// <summary>A plain <c>~</c>, <c>null</c> or empty value: the key was written but left empty.</summary>
    public bool IsNull => IsPlain && (Value.Length == 0 || Value == "~" || Value is "null" or "Null" or "NULL");

    /// <summary>The value as a message shows it: quoted, control characters escaped, a long one cut (<see cref="Text.Printable.Value"/>).</summary>
    public string Shown => "'" + Text.Printable.Value(Value) + "'";
}

public sealed record YamlEntry(YamlScalar Key, YamlNode Value);

public sealed record YamlMapping(SourceLocation Location, IReadOnlyList<YamlEntry> Entries) : YamlNode(Location)
{
    public override string KindName => "a mapping";
}

public sealed record YamlSequence(SourceLocation Location, IReadOnlyList<YamlNode> Items) : YamlNode(Location)
{
    public override string KindName => "a list";
}
