using System.Globalization;
using System.Text.Json;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Tests.Support;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// GPU telemetry and cost with real workers, real Redis, Debian's Blender and the service. The GPU
/// is the one part that cannot exist here: tests/farm/nvidia-smi answers in the real format, and
/// tests/farm/blender-on-a-gpu-vm runs the real Blender as it runs in a VM whose card Cycles
/// finds. What Cycles renders on is then the CPU, as in a real silent fallback.
/// </summary>
[Collection("farm")]
public sealed class FarmTelemetryTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    /// <summary>36 an hour is 0.01 a second: costs are easy to check by eye.</summary>
    private const string Rate = "36";

    [Fact]
    public async Task GpuJobWhileTheGpuStaysIdle_IsFlaggedCpuFallback_WithItsGpuSecondsAndCost()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, null);
        using var gpu = new StandInGpu(utilization: 0, temperature: 38);
        // The first scrape marks where the service starts counting attempts.
        Assert.Contains("farm_queue_up 1", await service.Http.GetStringAsync("metrics"), StringComparison.Ordinal);
        var slow = scene.Make("slow.blend", 320, 240, 64);
        await SubmitGpuJobAsync(farm, "fallback", slow, "1-6");
        farm.StartWorker("w1", GpuWorker(gpu));

        var job = await farm.WaitForEndAsync("fallback", TimeSpan.FromMinutes(3));
        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        output.WriteLine(farm.Logs());

        // The job: one attempt, flagged, with the warning in words.
        Assert.Equal(1, job.Flagged.GetValueOrDefault("cpu-fallback"));
        Assert.Contains("Cycles rendered on the CPU", job.LastWarning, StringComparison.Ordinal);
        var tasks = await farm.Reader.TasksAsync("fallback", CancellationToken.None);
        Assert.Equal(["cpu-fallback"], Assert.Single(tasks).GpuFlags);
        Assert.Contains("Cycles rendered on the CPU", farm.Logs(), StringComparison.Ordinal);

        // GPU time: from take to report, so at least the frames' own render times; cost at 0.01/s.
        var frames = await farm.Reader.FramesAsync("fallback", CancellationToken.None);
        var rendering = frames.Aggregate(TimeSpan.Zero, (sum, f) => sum + f.Render);
        Assert.InRange(job.GpuTime, rendering, rendering + TimeSpan.FromSeconds(30));
        Assert.Equal(TaskUsageCost(job.GpuTime), job.CostMicros, 1.0);

        // The API gives the same figures, and the cost per frame.
        using var answer = JsonDocument.Parse(await service.Http.GetStringAsync("api/v1/jobs/fallback"));
        var report = answer.RootElement;
        Assert.Equal(job.CostMicros / 1_000_000m, report.GetProperty("cost").GetDecimal());
        Assert.Equal(job.CostMicros / 6 / 1_000_000m, report.GetProperty("cost_per_frame").GetDecimal());
        Assert.Equal(1, report.GetProperty("flagged").GetProperty("cpu-fallback").GetInt32());

        // /metrics: the attempt, its frames in the histogram, its flag and its cost.
        var metrics = await service.Http.GetStringAsync("metrics");
        Assert.Contains("farm_task_attempts_total{outcome=\"done\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("farm_task_duration_seconds_count{outcome=\"done\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("farm_frame_render_seconds_count 6", metrics, StringComparison.Ordinal);
        Assert.Contains("farm_task_attempts_flagged_total{flag=\"cpu-fallback\"} 1", metrics, StringComparison.Ordinal);
        Assert.Equal((double)(job.CostMicros / 1_000_000m), Metric(metrics, "farm_cost_total"), 6);
        Assert.Equal(36, Metric(metrics, "farm_cost_per_hour"));
        Assert.Equal(0, Metric(metrics, "farm_worker_gpu_utilization_percent{worker=\"w1\"}"));
    }

    [Fact]
    public async Task HotThrottlingGpu_FlagsTheTaskAndTheWorker_UntilItCools()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, null);
        // Busy, at 88 °C, slowed by hardware thermal slowdown (bit 0x40), the limit at 83 °C.
        using var gpu = new StandInGpu(utilization: 97, temperature: 88, throttle: "0x0000000000000040");
        await SubmitGpuJobAsync(farm, "hot", scene.Path, "1-4");
        farm.StartWorker("w1", new Dictionary<string, string>(GpuWorker(gpu)) { ["PROVISION_GPU_TEMPERATURE_LIMIT"] = "83" });

        var job = await farm.WaitForEndAsync("hot", TimeSpan.FromMinutes(3));
        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal(["hot", "throttled"], job.Flagged.Keys.Order(StringComparer.Ordinal));
        Assert.False(job.Flagged.ContainsKey("cpu-fallback")); // the card was busy
        Assert.Contains("reached 88 °C, above the limit of 83 °C", job.LastWarning, StringComparison.Ordinal);

        // The worker shows its card as it is: the API's reading, /metrics' gauges.
        var worker = await WorkerAsync(service);
        Assert.Equal(["throttled", "hot"], worker.GetProperty("gpu_flags").EnumerateArray().Select(f => f.GetString()));
        var telemetry = worker.GetProperty("telemetry");
        Assert.Equal(("NVIDIA RTX A5000", 97, 88, 7012), (telemetry.GetProperty("model").GetString(), telemetry.GetProperty("utilization_percent").GetInt32(),
            telemetry.GetProperty("temperature_c").GetInt32(), telemetry.GetProperty("memory_used_mib").GetInt32()));
        Assert.Equal(["hw_thermal_slowdown"], telemetry.GetProperty("throttle_reasons").EnumerateArray().Select(r => r.GetString()));
        var metrics = await service.Http.GetStringAsync("metrics");
        Assert.Equal(88, Metric(metrics, "farm_worker_gpu_temperature_celsius{worker=\"w1\"}"));
        Assert.Equal(227.41, Metric(metrics, "farm_worker_gpu_power_watts{worker=\"w1\"}"));
        Assert.Equal(7012.0 * 1024 * 1024, Metric(metrics, "farm_worker_gpu_memory_used_bytes{worker=\"w1\"}"));
        Assert.Equal(1, Metric(metrics, "farm_worker_gpu_flagged{worker=\"w1\",flag=\"hot\"}"));

        // Cooled down: the next readings clear the worker's flags (the job keeps its history).
        gpu.Set(utilization: 0, temperature: 41, throttle: "0x0000000000000001");
        await farm.WaitUntilAsync(async () => (await WorkerAsync(service)).GetProperty("gpu_flags").GetArrayLength() == 0, TimeSpan.FromSeconds(30), "the worker's flags clear");
        Assert.Equal(0, Metric(await service.Http.GetStringAsync("metrics"), "farm_worker_gpu_flagged{worker=\"w1\",flag=\"hot\"}"));
    }

    private static Dictionary<string, string> GpuWorker(StandInGpu gpu) => new Dictionary<string, string>
    {
        ["PROVISION_RENDER_DEVICE"] = "OPTIX",
        ["PROVISION_NVIDIA_SMI"] = gpu.Path,
        ["PROVISION_BLENDER"] = Repo.Path("tests", "farm", "blender-on-a-gpu-vm"),
        ["PROVISION_GPU_SAMPLE_SECONDS"] = "0.2",
        ["PROVISION_HOURLY_COST"] = Rate,
    };

    private static async Task SubmitGpuJobAsync(FarmHarness farm, string id, string scenePath, string frames)
    {
        var spec = new JobSpec { Id = id, Src = scenePath, Frames = frames, Output = farm.Output, Device = "OPTIX", MaxAttempts = 1 };
        Assert.True(await farm.Queue.SubmitAsync(spec, FrameList.Parse(frames).Chunk(FrameList.Parse(frames).Count), CancellationToken.None));
    }

    private static async Task<JsonElement> WorkerAsync(FarmServiceHost service)
    {
        using var workers = JsonDocument.Parse(await service.Http.GetStringAsync("api/v1/workers"));
        return Assert.Single(workers.RootElement.EnumerateArray()).Clone();
    }

    /// <summary>The cost in millionths of holding a worker for <paramref name="held"/> at <see cref="Rate"/>.</summary>
    private static double TaskUsageCost(TimeSpan held) => held.TotalHours * double.Parse(Rate, CultureInfo.InvariantCulture) * 1_000_000;

    /// <summary>The value of one series on a /metrics page (the whole name with its labels).</summary>
    private static double Metric(string page, string series)
    {
        var line = page.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
                   ?? throw new Xunit.Sdk.XunitException($"{series} is not on the page:\n{page}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
