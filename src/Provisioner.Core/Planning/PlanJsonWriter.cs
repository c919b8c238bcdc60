using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provisioner.Core.Planning;

/// <summary>The machine-readable plan (--json, -out): snake_case, enums as words, versioned by format_version.</summary>
public static class PlanJsonWriter
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(Plan plan) => JsonSerializer.Serialize(plan, Options).ReplaceLineEndings("\n") + "\n";
}
