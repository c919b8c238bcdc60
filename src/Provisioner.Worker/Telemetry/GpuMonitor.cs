using System.Globalization;
using Provisioner.Farm.Queue;
using Provisioner.Farm.Telemetry;
using Serilog;

namespace Provisioner.Worker.Telemetry;

/// <summary>
/// Samples the VM's GPU every <c>every</c> for the worker's life (idle too, so the dashboard shows
/// an idle card's temperature), keeps the latest reading for the heartbeat, and feeds the running
/// task's <see cref="GpuWatch"/>. A CPU worker has no monitor. A failing nvidia-smi is logged once
/// per change of its message, and the heartbeat then carries no reading rather than an old one.
/// </summary>
public sealed class GpuMonitor(NvidiaSmi smi, TimeSpan every, int temperatureLimit, TimeProvider clock, ILogger log)
{
    private readonly Lock gate = new();
    private (GpuSample Sample, DateTimeOffset At)? latest;
    private GpuWatch? watch;
    private string? lastProblem;

    public int TemperatureLimit { get; } = temperatureLimit;

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await SampleOnceAsync(stop).ConfigureAwait(false);
            try
            {
                await Task.Delay(every, clock, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One reading: stored as the latest, and added to the running task's watch.</summary>
    public async Task SampleOnceAsync(CancellationToken cancellationToken)
    {
        string? problem;
        GpuSample? sample = null;
        try
        {
            var output = await smi.RunAsync(GpuQuery.Arguments, cancellationToken).ConfigureAwait(false);
            (sample, problem) = output.StartFailure is { } why ? (null, $"{smi.Path} cannot run: {why}")
                : output.ExitCode == 0 ? GpuQuery.Parse(output.Text)
                : (null, $"nvidia-smi failed (exit {output.ExitCode}): {output.Text.Trim()}");
        }
        catch (OperationCanceledException)
        {
            return;
        }

        lock (gate)
        {
            latest = sample is null ? null : (sample, clock.GetUtcNow());
            watch?.Add(sample!);
            if (problem != lastProblem && problem is not null)
            {
                log.Warning("GPU telemetry: {Problem}", problem);
            }

            lastProblem = problem;
        }
    }

    /// <summary>Starts watching a task (<paramref name="gpuTask"/>: rendered on OPTIX or CUDA); the samples from now on count for it.</summary>
    public GpuWatch Watch(bool gpuTask)
    {
        lock (gate)
        {
            watch = new GpuWatch(gpuTask, TemperatureLimit);
            return watch;
        }
    }

    /// <summary>Stops feeding the task's watch.</summary>
    public void EndWatch()
    {
        lock (gate)
        {
            watch = null;
        }
    }

    /// <summary>The latest reading as the heartbeat's fields, with its flags so far (the running task's included); empty without one.</summary>
    public IReadOnlyList<WorkerField> HeartbeatFields()
    {
        lock (gate)
        {
            if (latest is not { } reading)
            {
                return [new("gpu_sampled_ms", "")];
            }

            var (sample, at) = reading;
            var flags = watch?.Verdict().Flags ?? GpuWarnings.None;
            if (sample.Throttled)
            {
                flags |= GpuWarnings.Throttled;
            }

            if (sample.TemperatureC > TemperatureLimit)
            {
                flags |= GpuWarnings.Hot;
            }

            static string Text(IFormattable? value) => value?.ToString(null, CultureInfo.InvariantCulture) ?? "";
            return
            [
                new("gpu_model", sample.Model), new("gpu_util", Text(sample.UtilizationPercent)),
                new("gpu_mem_used", Text(sample.MemoryUsedMiB)), new("gpu_mem_total", Text(sample.MemoryTotalMiB)),
                new("gpu_temp", Text(sample.TemperatureC)), new("gpu_power", Text(sample.PowerWatts)),
                new("gpu_throttle", sample.ThrottleReasonsHex), new("gpu_flags", GpuWarningNames.Format(flags)),
                new("gpu_sampled_ms", Text(at.ToUnixTimeMilliseconds())),
            ];
        }
    }
}
