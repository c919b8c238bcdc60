using System.Collections.Concurrent;
using System.Reflection;
using Provisioner.Core.Inventory.Binding;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>The words a DTO property's [OneOf] allows: the schema stays the one source of truth.</summary>
public static class Allowed
{
    // Attribute lookups are slow and asked once per VM; the answers never change.
    private static readonly ConcurrentDictionary<(Type, string), IReadOnlyList<string>> Cache = new();

    public static IReadOnlyList<string> For<TDto>(string propertyName) => Cache.GetOrAdd((typeof(TDto), propertyName), key =>
        key.Item1.GetProperty(key.Item2)?.GetCustomAttribute<OneOfAttribute>()?.Values
        ?? throw new InvalidOperationException($"{key.Item1.Name}.{key.Item2} has no [OneOf]"));
}
