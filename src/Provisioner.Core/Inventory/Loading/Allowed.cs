using System.Reflection;
using Provisioner.Core.Inventory.Binding;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>The words a DTO property's [OneOf] allows: the schema stays the one source of truth.</summary>
public static class Allowed
{
    public static IReadOnlyList<string> For<TDto>(string propertyName) =>
        typeof(TDto).GetProperty(propertyName)?.GetCustomAttribute<OneOfAttribute>()?.Values
        ?? throw new InvalidOperationException($"{typeof(TDto).Name}.{propertyName} has no [OneOf]");
}
