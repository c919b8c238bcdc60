using Provisioner.Farm.Telemetry;

namespace Provisioner.Farm.Queue;

/// <summary>
/// A worker as `provision farm workers --json`, the service's API and its dashboard show it: what
/// it last reported and its condition as of the reader's clock. One model for all of them.
/// </summary>
public sealed record WorkerReport(
    string Name,
    WorkerCondition Condition,
    string State,
    bool Draining,
    DateTimeOffset? Heartbeat,
    double? HeartbeatAgeSeconds,
    string Task,
    double? TaskSeconds,
    string Gpu,
    string Host,
    long Frames,
    string LastError,
    WorkerReport.GpuTelemetry? Telemetry,
    IReadOnlyList<string> GpuFlags,
    decimal? HourlyCost,
    Jobs.BlenderFeatures? Blender,
    string GlRenderer = "",
    string GpuDriver = "")
{
    /// <summary>The GPU's latest reading: null figures are ones the driver does not report.</summary>
    public sealed record GpuTelemetry(
        string Model,
        int? UtilizationPercent,
        int? MemoryUsedMib,
        int? MemoryTotalMib,
        int? TemperatureC,
        double? PowerWatts,
        IReadOnlyList<string> ThrottleReasons,
        double? AgeSeconds);

    public static WorkerReport Of(WorkerStatus worker, DateTimeOffset now) => Of(worker, now, WorkerStatus.SilentAfter);

    public static WorkerReport Of(WorkerStatus worker, DateTimeOffset now, TimeSpan silentAfter) => new(
        worker.Name, worker.Condition(now, silentAfter), worker.State, worker.Draining, worker.Heartbeat, (now - worker.Heartbeat)?.TotalSeconds,
        worker.Task, worker.Task.Length > 0 ? (now - worker.TaskSince)?.TotalSeconds : null,
        worker.Gpu, worker.Host, worker.Frames, worker.LastError,
        worker.GpuReading is { } gpu
            ? new GpuTelemetry(gpu.Model, gpu.UtilizationPercent, gpu.MemoryUsedMiB, gpu.MemoryTotalMiB, gpu.TemperatureC, gpu.PowerWatts,
                gpu.ThrottleReasonNames(), (now - worker.GpuSampledAt)?.TotalSeconds)
            : null,
        GpuWarningNames.Words(worker.GpuFlags), worker.HourlyCost, worker.Blender, worker.GlRenderer, worker.GpuDriver);
}
