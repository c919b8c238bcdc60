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

        return result;
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
