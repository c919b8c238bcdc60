using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Inventory.Dto;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Schema;

/// <summary>
/// JSON Schema (draft-07, what YAML language servers read) generated from the DTO classes, so
/// the schema, the binder and the reference docs cannot drift apart. A test compares it with
/// inventories/inventory.schema.json.
/// </summary>
public static class InventorySchema
{
    public static string Generate()
    {
        var definitions = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var root = ObjectSchema(typeof(InventoryDto), definitions);
        root["$schema"] = "http://json-schema.org/draft-07/schema#";
        root["$id"] = "https://provisioner.dev/schema/inventory-v1.json";
        root["title"] = "Provisioner inventory";
        var defs = new JsonObject();
        foreach (var (name, schema) in definitions)
        {
            defs[name] = schema;
        }

        root["definitions"] = defs;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonObject ObjectSchema(Type type, SortedDictionary<string, JsonNode> definitions)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var (key, property) in KeyNames.For(type).OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var schema = PropertySchema(property, definitions);
            if (property.GetCustomAttribute<DocAttribute>() is { } doc)
            {
                schema["description"] = doc.Text;
            }

            properties[key] = schema;
            if (property.GetCustomAttribute<RequiredKeyAttribute>() is not null)
            {
                required.Add(key);
            }
        }

        var result = new JsonObject { ["type"] = "object" };
        if (type.GetCustomAttribute<DocAttribute>() is { } typeDoc)
        {
            result["description"] = typeDoc.Text;
        }

        result["additionalProperties"] = false;
        result["properties"] = properties;
        if (required.Count > 0)
        {
            result["required"] = required;
        }

        return result;
    }

    private static JsonObject PropertySchema(PropertyInfo property, SortedDictionary<string, JsonNode> definitions)
    {
        var schema = TypeSchema(property.PropertyType, property, definitions);
        if (property.GetCustomAttribute<OrScalarAttribute>() is { } orScalar)
        {
            return new JsonObject { ["anyOf"] = new JsonArray(schema, new JsonObject { ["const"] = orScalar.Word }) };
        }

        return schema;
    }

    private static JsonObject TypeSchema(Type type, PropertyInfo? property, SortedDictionary<string, JsonNode> definitions)
    {
        if (type == typeof(YamlScalar))
        {
            var schema = new JsonObject();
            var types = property?.GetCustomAttribute<ScalarTypeAttribute>()?.JsonTypes ?? ["string"];
            schema["type"] = types.Count == 1 ? types[0] : new JsonArray([.. types.Select(t => (JsonNode)t)]);
            if (property?.GetCustomAttribute<OneOfAttribute>() is { } oneOf)
            {
                schema["enum"] = new JsonArray([.. oneOf.Values.Select(v => (JsonNode)v)]);
            }

            return schema;
        }

        if (typeof(Dto.Dto).IsAssignableFrom(type))
        {
            var name = type.Name[..^3];
            if (!definitions.ContainsKey(name))
            {
                definitions[name] = new JsonObject(); // placeholder stops recursion
                definitions[name] = ObjectSchema(type, definitions);
            }

            return new JsonObject { ["$ref"] = "#/definitions/" + name };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(type.GetGenericArguments()[0], null, definitions) };
        }

        // Dictionary<string, T>: named entries.
        return new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(type.GetGenericArguments()[1], null, definitions) };
    }
}
