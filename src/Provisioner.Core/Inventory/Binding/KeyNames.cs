using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace Provisioner.Core.Inventory.Binding;

/// <summary>The YAML keys of a DTO type: each property's name in snake_case.</summary>
public static class KeyNames
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, PropertyInfo>> Cache = new();

    public static IReadOnlyDictionary<string, PropertyInfo> For(Type dtoType) => Cache.GetOrAdd(dtoType, type =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<NotAKeyAttribute>() is null)
            .OrderBy(p => p.MetadataToken)
            .ToDictionary(p => SnakeCase(p.Name), StringComparer.Ordinal));

    public static string SnakeCase(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
