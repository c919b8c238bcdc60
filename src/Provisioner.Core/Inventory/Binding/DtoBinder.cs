using System.Reflection;
using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Dto;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Binding;

/// <summary>
/// Fills DTOs from a located YAML tree. Unknown keys and wrong shapes become diagnostics and
/// binding carries on, so a user sees every problem in one run. Values are not interpreted
/// here (that is the mapper's job); only the shape is checked.
/// </summary>
public static class DtoBinder
{
    public static T Bind<T>(YamlMapping mapping, DiagnosticBag diagnostics) where T : Dto.Dto, new() =>
        (T)BindMapping(typeof(T), mapping, diagnostics);

    private static Dto.Dto BindMapping(Type type, YamlMapping mapping, DiagnosticBag diagnostics)
    {
        var dto = (Dto.Dto)Activator.CreateInstance(type)!;
        dto.Location = mapping.Location;
        var keys = KeyNames.For(type);
        foreach (var (key, value) in mapping.Entries)
        {
            if (!keys.TryGetValue(key.Value, out var property))
            {
                diagnostics.Add(DiagnosticCodes.UnknownKey, key.Location,
                    $"unknown key {key.Shown} in {Describe(type)}", DidYouMean.Suggestion(key.Value, keys.Keys));
                continue;
            }

            if (value is YamlScalar { IsNull: true })
            {
                continue; // "key:" with nothing after it means "not set", as in most YAML tools.
            }

            var orScalar = property.GetCustomAttribute<OrScalarAttribute>();
            if (orScalar is not null && value is YamlScalar word)
            {
                if (word.Value == orScalar.Word)
                {
                    type.GetProperty(orScalar.ScalarProperty)!.SetValue(dto, word);
                }
                else
                {
                    var shape = typeof(System.Collections.IList).IsAssignableFrom(property.PropertyType) ? "a list" : "a mapping";
                    diagnostics.Add(DiagnosticCodes.WrongType, word.Location,
                        $"{key.Shown} must be {shape} or '{orScalar.Word}', found {word.Shown}",
                        $"write '{key.Value}: {orScalar.Word}' or {(shape == "a list" ? "a list of entries" : "its keys under it")}");
                }

                continue;
            }

            var bound = BindValue(property.PropertyType, key.Value, value, diagnostics);
            if (bound is not null)
            {
                property.SetValue(dto, bound);
            }
        }

        return dto;
    }

    private static object? BindValue(Type type, string key, YamlNode node, DiagnosticBag diagnostics)
    {
        if (type == typeof(YamlScalar))
        {
            return node as YamlScalar ?? Mismatch(key, "a single value", node, diagnostics);
        }

        if (typeof(Dto.Dto).IsAssignableFrom(type))
        {
            return node is YamlMapping mapping
                ? BindMapping(type, mapping, diagnostics)
                : Mismatch(key, "a mapping of 'key: value' lines", node, diagnostics);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (node is not YamlSequence sequence)
            {
                return Mismatch(key, "a list ('- item' lines or [a, b])", node, diagnostics);
            }

            var itemType = type.GetGenericArguments()[0];
            var list = (System.Collections.IList)Activator.CreateInstance(type)!;
            foreach (var item in sequence.Items)
            {
                var boundItem = BindValue(itemType, key, item, diagnostics);
                if (boundItem is not null)
                {
                    list.Add(boundItem);
                }
            }

            return list;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            if (node is not YamlMapping mapping)
            {
                return Mismatch(key, "a mapping of named entries", node, diagnostics);
            }

            var valueType = type.GetGenericArguments()[1];
            var dictionary = (System.Collections.IDictionary)Activator.CreateInstance(type, StringComparer.Ordinal)!;
            foreach (var (entryKey, entryValue) in mapping.Entries)
            {
                var boundValue = BindValue(valueType, entryKey.Value, entryValue, diagnostics);
                if (boundValue is not null)
                {
                    dictionary[entryKey.Value] = boundValue;
                }
            }

            return dictionary;
        }

        throw new InvalidOperationException($"DTO property type {type} is not supported by the binder");
    }

    private static object? Mismatch(string key, string expected, YamlNode node, DiagnosticBag diagnostics)
    {
        diagnostics.Add(DiagnosticCodes.WrongType, node.Location,
            $"'{key}' must be {expected}, found {node.KindName}",
            "see docs/inventory-reference.md for the shape of each key");
        return null;
    }

    private static string Describe(Type type)
    {
        var name = type.Name.EndsWith("Dto", StringComparison.Ordinal) ? type.Name[..^3] : type.Name;
        return KeyNames.SnakeCase(name) switch
        {
            "host_settings" => "defaults/group settings",
            var snake => "'" + snake + "'",
        };
    }
}
