using System.Collections.Concurrent;
using System.Reflection;

namespace Provisioner.Core.Inventory.Binding;

/// <summary>
/// Layers DTOs: a key set on the upper layer wins; nested mappings merge key by key; lists
/// replace (a host's 'users' list is the whole list, not an addition to the defaults').
/// </summary>
public static class DtoOverlay
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    private static PropertyInfo[] PropertiesOf(Type type) => Properties.GetOrAdd(type, t =>
        [.. t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != nameof(Dto.Dto.Location))]);

    public static T? Merge<T>(T? upper, T? lower) where T : Dto.Dto, new() => (T?)Merge(typeof(T), upper, lower);

    private static Dto.Dto? Merge(Type type, Dto.Dto? upper, Dto.Dto? lower)
    {
        if (upper is null || lower is null)
        {
            return upper ?? lower;
        }

        var result = (Dto.Dto)Activator.CreateInstance(type)!;
        result.Location = upper.Location;
        foreach (var property in PropertiesOf(type))
        {
            var up = property.GetValue(upper);
            var low = property.GetValue(lower);
            var merged = typeof(Dto.Dto).IsAssignableFrom(property.PropertyType)
                ? Merge(property.PropertyType, (Dto.Dto?)up, (Dto.Dto?)low)
                : up ?? low;
            property.SetValue(result, merged);
        }

        KeepOrScalarsWhole(type, upper, result);
        return result;
    }

    /// <summary>
    /// A key that takes a mapping or a word (worker.blender: a download, or 'system') is one
    /// choice: the upper layer's word replaces the lower layer's mapping and its mapping the
    /// lower layer's word, instead of the two standing side by side.
    /// </summary>
    private static void KeepOrScalarsWhole(Type type, Dto.Dto upper, Dto.Dto result)
    {
        foreach (var property in PropertiesOf(type))
        {
            if (property.GetCustomAttribute<OrScalarAttribute>() is not { } orScalar)
            {
                continue;
            }

            var word = type.GetProperty(orScalar.ScalarProperty)!;
            if (word.GetValue(upper) is not null)
            {
                property.SetValue(result, null);
            }
            else if (property.GetValue(upper) is not null)
            {
                word.SetValue(result, null);
            }
        }
    }

    /// <summary>Copies the <see cref="Dto.HostSettingsDto"/> part of a layered settings object onto a host.</summary>
    public static void CopySettings(Dto.HostSettingsDto from, Dto.HostSettingsDto to)
    {
        foreach (var property in PropertiesOf(typeof(Dto.HostSettingsDto)))
        {
            property.SetValue(to, property.GetValue(from));
        }
    }
}
