using System.Globalization;

namespace Provisioner.Farm.Telemetry;

/// <summary>
/// One reading of a worker's GPU, as <c>nvidia-smi --query-gpu</c> gives it. A figure the driver
/// does not report (<c>[N/A]</c>, <c>[Not Supported]</c>: power on many boards) is null, never 0,
/// so a missing figure is never read as an idle GPU.
/// </summary>
public sealed record GpuSample(
    string Model,
    int? UtilizationPercent,
    int? MemoryUsedMiB,
    int? MemoryTotalMiB,
    int? TemperatureC,
    double? PowerWatts,
    ulong ThrottleReasons)
{
    /// <summary>
    /// The throttle reasons that mean the card is slowed against its will: hardware slowdown,
    /// software and hardware thermal slowdown, and the power brake. Idle (0x1), application clocks
    /// (0x2), the software power cap (0x4, normal at full load) and sync boost are not.
    /// </summary>
    public const ulong SlowdownMask = 0x8 | 0x20 | 0x40 | 0x80;

    /// <summary>NVML's names of the reason bits, in bit order.</summary>
    private static readonly (ulong Bit, string Name)[] ReasonNames =
    [
        (0x1, "gpu_idle"), (0x2, "applications_clocks_setting"), (0x4, "sw_power_cap"), (0x8, "hw_slowdown"),
        (0x10, "sync_boost"), (0x20, "sw_thermal_slowdown"), (0x40, "hw_thermal_slowdown"), (0x80, "hw_power_brake_slowdown"),
        (0x100, "display_clock_setting"),
    ];

    /// <summary>The reason bits as nvidia-smi prints them, 0x and 16 hex digits.</summary>
    public string ThrottleReasonsHex => "0x" + ThrottleReasons.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Reads what <see cref="ThrottleReasonsHex"/> (or nvidia-smi) wrote; anything else is no reason.</summary>
    public static ulong ParseReasons(string hex) =>
        hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        && ulong.TryParse(hex.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits) ? bits : 0;

    /// <summary>True when a slowdown reason (see <see cref="SlowdownMask"/>) is active.</summary>
    public bool Throttled => (ThrottleReasons & SlowdownMask) != 0;

    /// <summary>The active reasons by name (unknown bits as hex), for logs and the dashboard.</summary>
    public IReadOnlyList<string> ThrottleReasonNames()
    {
        var names = ReasonNames.Where(r => (ThrottleReasons & r.Bit) != 0).Select(r => r.Name).ToList();
        var unknown = ThrottleReasons & ~ReasonNames.Aggregate(0UL, (all, r) => all | r.Bit);
        if (unknown != 0)
        {
            names.Add("0x" + unknown.ToString("x", CultureInfo.InvariantCulture));
        }

        return names;
    }
}
