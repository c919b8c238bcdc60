using Provisioner.Farm.Telemetry;

namespace Provisioner.Worker.Telemetry;

/// <summary>What the telemetry saw over one task: the flags, and the figures behind them for the log.</summary>
public sealed record GpuVerdict(GpuWarnings Flags, int Samples, int? PeakUtilizationPercent, int? PeakTemperatureC)
{
    public static readonly GpuVerdict Unwatched = new(GpuWarnings.None, 0, null, null);
}

/// <summary>
/// The samples taken while one task rendered, and what they mean. A silent CPU fallback is a GPU
/// task whose GPU never rose above <see cref="IdlePercent"/> over at least
/// <see cref="MinSamples"/> samples: the peak, not the mean, because a real GPU render spends its
/// first seconds loading the scene and building the BVH on the CPU, then uses the card fully.
/// </summary>
public sealed class GpuWatch(bool gpuTask, int temperatureLimit)
{
    /// <summary>At or below this utilisation the GPU is idle (the driver itself shows a few percent on an idle card).</summary>
    public const int IdlePercent = 5;

    /// <summary>Fewer samples are not evidence: a task shorter than a few sampling periods is never called a fallback.</summary>
    public const int MinSamples = 3;

    private readonly Lock gate = new();
    private readonly List<GpuSample> samples = [];

    public void Add(GpuSample sample)
    {
        lock (gate)
        {
            samples.Add(sample);
        }
    }

    public GpuVerdict Verdict()
    {
        lock (gate)
        {
            var utilizations = samples.Select(s => s.UtilizationPercent).OfType<int>().ToArray();
            var temperatures = samples.Select(s => s.TemperatureC).OfType<int>().ToArray();
            int? peakUtilization = utilizations.Length > 0 ? utilizations.Max() : null;
            int? peakTemperature = temperatures.Length > 0 ? temperatures.Max() : null;
            var flags = GpuWarnings.None;
            if (gpuTask && utilizations.Length >= MinSamples && peakUtilization <= IdlePercent)
            {
                flags |= GpuWarnings.CpuFallback;
            }

            if (samples.Exists(s => s.Throttled))
            {
                flags |= GpuWarnings.Throttled;
            }

            if (peakTemperature > temperatureLimit)
            {
                flags |= GpuWarnings.Hot;
            }

            return new GpuVerdict(flags, samples.Count, peakUtilization, peakTemperature);
        }
    }
}
