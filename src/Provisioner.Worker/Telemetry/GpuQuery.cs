using System.Globalization;
using Provisioner.Farm.Telemetry;

namespace Provisioner.Worker.Telemetry;

/// <summary>
/// The telemetry query and its answer: <c>nvidia-smi --query-gpu=FIELDS --format=csv</c>, the
/// format NVIDIA documents for scripts. Columns are found by their header, not their position,
/// and values lose their units ("97 %", "7012 MiB", "227.41 W"). Drivers from 535 on name the
/// throttle column <c>clocks_event_reasons.active</c>; both names are read.
/// </summary>
public static class GpuQuery
{
    public const string Fields = "name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,clocks_throttle_reasons.active";

    public static IReadOnlyList<string> Arguments { get; } = ["--query-gpu=" + Fields, "--format=csv"];

    /// <summary>The VM's one GPU read from nvidia-smi's CSV, or why the answer cannot be read.</summary>
    public static (GpuSample? Sample, string? Problem) Parse(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2)
        {
            return (null, $"nvidia-smi answered no GPU row: '{Shorten(csv)}'");
        }

        var header = lines[0].Split(',', StringSplitOptions.TrimEntries).Select(Column).ToArray();
        var values = lines[1].Split(',', StringSplitOptions.TrimEntries);
        if (values.Length != header.Length)
        {
            return (null, $"nvidia-smi's row has {values.Length} values for {header.Length} columns: '{Shorten(lines[1])}'");
        }

        string? Value(params string[] names)
        {
            var index = Array.FindIndex(header, h => names.Contains(h, StringComparer.Ordinal));
            return index < 0 || values[index].StartsWith('[') ? null : values[index];
        }

        if (Value("name") is not { } model)
        {
            return (null, $"nvidia-smi's answer has no 'name' column: '{Shorten(lines[0])}'");
        }

        var throttle = GpuSample.ParseReasons(Value("clocks_throttle_reasons.active", "clocks_event_reasons.active") ?? "");
        return (new GpuSample(model, Whole(Value("utilization.gpu")), Whole(Value("memory.used")), Whole(Value("memory.total")),
            Whole(Value("temperature.gpu")), Number(Value("power.draw")), throttle), null);
    }

    /// <summary>"utilization.gpu [%]" is the column utilization.gpu.</summary>
    private static string Column(string header) => header.Split(" [", 2)[0];

    private static double? Number(string? value) =>
        value is not null && double.TryParse(value.Split(' ', 2)[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static int? Whole(string? value) => Number(value) is { } number ? (int)Math.Round(number) : null;

    private static string Shorten(string text) => text.Trim() is { Length: > 200 } trimmed ? trimmed[..200] + "…" : text.Trim();
}
