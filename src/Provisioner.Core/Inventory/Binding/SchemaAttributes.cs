namespace Provisioner.Core.Inventory.Binding;

// The DTO classes are the inventory schema. These attributes carry what the binder, the
// JSON Schema generator and docs/inventory-reference.md need to know about each key.

/// <summary>What the key means, in one or two sentences (shown in the reference and in editors).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class DocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>The key must be present (after defaults and groups are merged).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredKeyAttribute : Attribute;

/// <summary>The scalar must be one of these words.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>JSON type(s) of a scalar for the schema: "string" (default), "integer", "boolean".</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ScalarTypeAttribute(params string[] jsonTypes) : Attribute
{
    public IReadOnlyList<string> JsonTypes { get; } = jsonTypes;
}

/// <summary>
/// A list-valued key that may instead be written as the scalar <see cref="Word"/> (e.g. <c>gpus: auto</c>);
/// the scalar lands in the property named <see cref="ScalarProperty"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OrScalarAttribute(string word, string scalarProperty) : Attribute
{
    public string Word { get; } = word;
    public string ScalarProperty { get; } = scalarProperty;
}

/// <summary>Not a YAML key: filled by the binder itself.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotAKeyAttribute : Attribute;
