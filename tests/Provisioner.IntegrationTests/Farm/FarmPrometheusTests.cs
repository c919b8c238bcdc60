using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// A real Prometheus (Debian's) scrapes the service's /metrics while a real worker renders a real
/// job; PromQL over what it stored gives the frames the job rendered and the queue it drained.
/// </summary>
[Collection("farm")]
public sealed class FarmPrometheusTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    [Fact]
    public async Task PrometheusScrapesTheService_AndPromQlReturnsTheFramesTheJobRendered()
    {
        await using var farm = await FarmHarness.StartAsync();
        // With a token, as an operator would run it: Prometheus on this machine scrapes without one (a local read).
        await using var service = await FarmServiceHost.StartAsync(farm, "prometheus-test-token-0123456789");
        using var prometheus = PrometheusServer.Start(new Uri(service.Url).Authority);
        await farm.SubmitAsync("promql", scene.Path, "1-4", chunk: 2);

        // Before any worker runs, Prometheus sees the job's two tasks queued.
        await WaitAsync(prometheus, async () => await prometheus.QueryAsync("farm_queue_depth{priority=\"normal\"}") == 2, TimeSpan.FromMinutes(1), "prometheus sees the 2 queued tasks");
        farm.StartWorker("w1");
        var job = await farm.WaitForEndAsync("promql", TimeSpan.FromMinutes(3));
        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());

        await WaitAsync(prometheus, async () => await prometheus.QueryAsync("sum(farm_worker_frames)") == 4, TimeSpan.FromSeconds(30), "PromQL to return the 4 frames");
        Assert.Equal(4, await prometheus.QueryAsync("farm_worker_frames{worker=\"w1\"}"));
        Assert.Equal(1, await prometheus.QueryAsync("farm_jobs{status=\"done\"}"));
        Assert.Equal(0, await prometheus.QueryAsync("farm_queue_depth{priority=\"normal\"}"));
        Assert.Equal(1, await prometheus.QueryAsync("farm_queue_up"));

        // The histograms, from the attempts finished since the service's first scrape: the job's 4 frames, its 2 tasks.
        await WaitAsync(prometheus, async () => await prometheus.QueryAsync("farm_frame_render_seconds_count") == 4, TimeSpan.FromSeconds(30), "the frame histogram to count 4 frames");
        Assert.Equal(2, await prometheus.QueryAsync("farm_task_duration_seconds_count{outcome=\"done\"}"));
        Assert.InRange(await prometheus.QueryAsync("histogram_quantile(0.5, farm_frame_render_seconds_bucket)") ?? 0, 0.0001, 60);
        Assert.StartsWith("up", await prometheus.TargetAsync(), StringComparison.Ordinal);
        output.WriteLine(prometheus.Log);
    }

    /// <summary>Polls <paramref name="condition"/>; on timeout fails with what Prometheus says of its target, and its log.</summary>
    private static async Task WaitAsync(PrometheusServer prometheus, Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}; target: {await prometheus.TargetAsync()}\n{prometheus.Log}");
            }

            await Task.Delay(250);
        }
    }
}
