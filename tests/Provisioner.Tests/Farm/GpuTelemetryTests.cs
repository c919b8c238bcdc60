using Provisioner.Farm.Queue;
using Provisioner.Farm.Telemetry;
using Provisioner.Tests.Support;
using Provisioner.Worker.Agent;
using Provisioner.Worker.Telemetry;

namespace Provisioner.Tests.Farm;

public sealed class GpuTelemetryTests
{
    [Fact]
    public void Query_RealCsvWithHeaderAndUnits_ReadsEveryFigureByColumnName()
    {
        // nvidia-smi's answer to GpuQuery.Arguments on a busy RTX A5000, header and units included.
        var csv = "name, utilization.gpu [%], memory.used [MiB], memory.total [MiB], temperature.gpu, power.draw [W], clocks_throttle_reasons.active\n"
                  + "NVIDIA RTX A5000, 97 %, 7012 MiB, 24564 MiB, 81, 227.41 W, 0x0000000000000020\n";

        var (sample, problem) = GpuQuery.Parse(csv);

        Assert.Null(problem);
        Assert.Equal(new GpuSample("NVIDIA RTX A5000", 97, 7012, 24564, 81, 227.41, 0x20), sample);
        Assert.True(sample!.Throttled);
        Assert.Equal(["sw_thermal_slowdown"], sample.ThrottleReasonNames());
        Assert.Equal("0x0000000000000020", sample.ThrottleReasonsHex);
    }

    [Fact]
    public void Query_NotReportedFiguresAndTheNewerThrottleColumn_NullNotZero()
    {
        // Drivers from 535 print clocks_event_reasons.active; many boards report no power draw.
        var csv = "name, utilization.gpu [%], memory.used [MiB], memory.total [MiB], temperature.gpu, power.draw [W], clocks_event_reasons.active\n"
                  + "NVIDIA A40, [N/A], 0 MiB, 46068 MiB, 30, [Not Supported], 0x0000000000000005\n";

        var (sample, _) = GpuQuery.Parse(csv);

        Assert.Null(sample!.UtilizationPercent);
        Assert.Null(sample.PowerWatts);
        Assert.Equal(0, sample.MemoryUsedMiB);
        Assert.Equal(["gpu_idle", "sw_power_cap"], sample.ThrottleReasonNames());
        Assert.False(sample.Throttled); // idle and the power cap are not a slowdown
    }

    [Theory]
    [InlineData("", "no GPU row")]
    [InlineData("name, utilization.gpu [%]\n", "no GPU row")]
    [InlineData("name, utilization.gpu [%]\nNVIDIA RTX A5000\n", "1 values for 2 columns")]
    [InlineData("utilization.gpu [%]\n5 %\n", "no 'name' column")]
    public void Query_UnreadableAnswer_SaysWhy(string csv, string expected)
    {
        var (sample, problem) = GpuQuery.Parse(csv);

        Assert.Null(sample);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Watch_GpuTaskThatNeverLeftIdle_IsACpuFallback_OnlyWithEnoughSamples()
    {
        var idle = new GpuSample("NVIDIA RTX A5000", 3, 1, 24564, 40, 25.0, 0x1);
        var watch = new GpuWatch(gpuTask: true, temperatureLimit: 80);
        watch.Add(idle);
        watch.Add(idle);
        Assert.Equal(GpuWarnings.None, watch.Verdict().Flags); // two samples are no evidence

        watch.Add(idle);
        var verdict = watch.Verdict();
        Assert.Equal(GpuWarnings.CpuFallback, verdict.Flags);
        Assert.Equal((3, 3), (verdict.Samples, verdict.PeakUtilizationPercent));

        // The same readings on a CPU task are what a CPU task looks like.
        var cpuTask = new GpuWatch(gpuTask: false, temperatureLimit: 80);
        foreach (var _ in Enumerable.Range(0, 5))
        {
            cpuTask.Add(idle);
        }

        Assert.Equal(GpuWarnings.None, cpuTask.Verdict().Flags);
    }

    [Fact]
    public void Watch_LoadingThenRendering_IsNoFallback_HeatAndThrottlingAreFlagged()
    {
        var watch = new GpuWatch(gpuTask: true, temperatureLimit: 80);
        watch.Add(new GpuSample("A5000", 0, 1, 24564, 40, 25.0, 0x1)); // loading the scene, BVH on the CPU
        watch.Add(new GpuSample("A5000", 0, 900, 24564, 41, 30.0, 0x1));
        watch.Add(new GpuSample("A5000", 98, 7012, 24564, 84, 230.0, 0x40)); // rendering, hot, hardware thermal slowdown

        var verdict = watch.Verdict();

        Assert.Equal(GpuWarnings.Throttled | GpuWarnings.Hot, verdict.Flags);
        Assert.Equal(84, verdict.PeakTemperatureC);
        Assert.Equal("throttled,hot", GpuWarningNames.Format(verdict.Flags));
        Assert.Equal(verdict.Flags, GpuWarningNames.Parse("throttled,hot,some-newer-flag"));
    }

    [Fact]
    public async Task Monitor_AgainstTheStandIn_ReportsItsReadingAndNoneWhenTheDriverIsGone()
    {
        using var gpu = new StandInGpu(utilization: 97, temperature: 86, throttle: "0x0000000000000020");
        var monitor = new GpuMonitor(new NvidiaSmi(gpu.Path), TimeSpan.FromSeconds(5), 80, TimeProvider.System, Serilog.Core.Logger.None);

        await monitor.SampleOnceAsync(CancellationToken.None);
        var fields = monitor.HeartbeatFields().ToDictionary(f => f.Name, f => f.Value);

        Assert.Equal("NVIDIA RTX A5000", fields["gpu_model"]);
        Assert.Equal(("97", "86", "227.41"), (fields["gpu_util"], fields["gpu_temp"], fields["gpu_power"]));
        Assert.Equal("throttled,hot", fields["gpu_flags"]);
        Assert.All(fields.Keys, name => Assert.Contains(name, WorkerField.Names));

        gpu.Set(0, 0, driver: false);
        await monitor.SampleOnceAsync(CancellationToken.None);
        Assert.Equal([new WorkerField("gpu_sampled_ms", "")], monitor.HeartbeatFields());
    }

    [Fact]
    public async Task StandIn_FailsAsTheRealToolDoes()
    {
        using var gpu = new StandInGpu();
        var smi = new NvidiaSmi(gpu.Path);

        var unknown = await smi.RunAsync(["--query-gpu=name,fan.speedz", "--format=csv"], CancellationToken.None);
        Assert.Equal((2, "Field \"fan.speedz\" is not a valid field to query."), (unknown.ExitCode, unknown.Text.Trim()));

        gpu.Set(0, 30, gpus: 2);
        var two = await smi.RunAsync(["-L"], CancellationToken.None);
        Assert.Equal(2, two.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData(90, "0.80", 1_200_000)] // 1.5 h at 0.80
    [InlineData(1, "0.85", 14_167)] // 60 s at 0.85: 0.014166... rounded to the millionth
    [InlineData(30, null, 0)] // no rate: no cost
    public void Usage_CostIsTheHeldTimeAtTheRate(int minutes, string? rate, long micros) =>
        Assert.Equal(micros, TaskUsage.Cost(TimeSpan.FromMinutes(minutes), rate is null ? null : decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("PROVISION_HOURLY_COST", "0,85", "PROVISION_HOURLY_COST='0,85' is not an amount per hour")]
    [InlineData("PROVISION_HOURLY_COST", "-1", "is not an amount per hour")]
    [InlineData("PROVISION_GPU_TEMPERATURE_LIMIT", "800", "is not a temperature from 30 to 120")]
    [InlineData("PROVISION_GPU_SAMPLE_SECONDS", "often", "is not a number of seconds")]
    public void Config_BadTelemetrySetting_NamesTheVariable(string name, string value, string expected)
    {
        var env = new Dictionary<string, string> { ["PROVISION_WORKER_NAME"] = "w", ["PROVISION_QUEUE_URL"] = "redis://127.0.0.1:6379/0", [name] = value };

        var error = Assert.Throws<ArgumentException>(() => WorkerConfig.FromEnvironment(env.GetValueOrDefault));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_TelemetrySettings_Read()
    {
        var env = new Dictionary<string, string>
        {
            ["PROVISION_WORKER_NAME"] = "w",
            ["PROVISION_QUEUE_URL"] = "redis://127.0.0.1:6379/0",
            ["PROVISION_HOURLY_COST"] = "0.85",
            ["PROVISION_GPU_TEMPERATURE_LIMIT"] = "83",
            ["PROVISION_GPU_SAMPLE_SECONDS"] = "0.5",
        };

        var config = WorkerConfig.FromEnvironment(env.GetValueOrDefault);

        Assert.Equal((0.85m, 83, TimeSpan.FromSeconds(0.5)), (config.HourlyCost, config.TemperatureLimit, config.GpuSampleEvery));
    }
}
