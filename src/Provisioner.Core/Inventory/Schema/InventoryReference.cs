using System.Reflection;
using System.Text;
using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Inventory.Dto;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Schema;

/// <summary>
/// docs/inventory-reference.md, generated from the DTO classes like the JSON Schema, so the
/// reference always lists exactly the keys the loader accepts. A test keeps the file current.
/// </summary>
public static class InventoryReference
{
    public static string Generate()
    {
        var text = new StringBuilder();
        text.Append("""
            # Inventory reference (version 1)

            Generated from the inventory's DTO classes by `provision schema --markdown`; a test fails
            when this file and the code disagree. Editors: add
            `# yaml-language-server: $schema=inventory.schema.json` to an inventory for completion.

            An inventory has `defaults`, optional `groups`, and `hosts`. Every key of **host settings**
            may be written in `defaults`, in a group, or on a host: the host wins over its group, the
            group over the defaults, key by key; nested mappings merge key by key; lists replace whole.
            Each GPU's `vm` merges over the host's `vm` the same way.

            Sizes take units: `24GiB`, `100G`, `512MiB`, `2T` (K/M/G/T and KiB… are powers of 1024;
            KB/MB/GB/TB powers of 1000). Secrets are references, never values: `${env:NAME}` or
            `${file:/absolute/path}`. Every name and path that can reach a shell is checked when the
            inventory is loaded (see diagnostics.md).

            """);
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>([typeof(InventoryDto)]);
        while (queue.Count > 0)
        {
            var type = queue.Dequeue();
            if (!seen.Add(type))
            {
                continue;
            }

            text.Append('\n').Append("## ").Append(Title(type)).Append("\n\n");
            if (type.GetCustomAttribute<DocAttribute>() is { } doc)
            {
                text.Append(doc.Text).Append("\n\n");
            }

            text.Append("| key | value | meaning |\n|---|---|---|\n");
            foreach (var (key, property) in KeyNames.For(type))
            {
                var required = property.GetCustomAttribute<RequiredKeyAttribute>() is null ? "" : " **(required)**";
                var meaning = property.GetCustomAttribute<DocAttribute>()?.Text ?? "";
                text.Append($"| `{key}`{required} | {Shape(property, queue)} | {meaning.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
            }
        }

        return text.ToString();
    }

    private static string Shape(PropertyInfo property, Queue<Type> queue)
    {
        var type = property.PropertyType;
        var shape = type == typeof(YamlScalar) ? Scalar(property) : Describe(type, queue);
        return property.GetCustomAttribute<OrScalarAttribute>() is { } orScalar ? $"{shape}, or `{orScalar.Word}`" : shape;
    }

    private static string Scalar(PropertyInfo property)
    {
        if (property.GetCustomAttribute<OneOfAttribute>() is { } oneOf)
        {
            return "one of " + string.Join(", ", oneOf.Values.Select(v => "`" + v + "`"));
        }

        return string.Join(" or ", property.GetCustomAttribute<ScalarTypeAttribute>()?.JsonTypes ?? ["string"]);
    }

    private static string Describe(Type type, Queue<Type> queue)
    {
        if (typeof(Dto.Dto).IsAssignableFrom(type))
        {
            queue.Enqueue(type);
            return $"[{Title(type)}](#{Anchor(type)})";
        }

        var args = type.GetGenericArguments();
        return type.GetGenericTypeDefinition() == typeof(List<>)
            ? "list of " + (args[0] == typeof(YamlScalar) ? "strings" : Describe(args[0], queue))
            : "mapping of name to " + Describe(args[1], queue);
    }

    private static string Title(Type type) => type == typeof(InventoryDto) ? "inventory (top level)"
        : type == typeof(HostSettingsDto) ? "host settings" : KeyNames.SnakeCase(type.Name[..^3]);

    private static string Anchor(Type type) => Title(type).Replace(' ', '-').Replace("(", "", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal);
}
