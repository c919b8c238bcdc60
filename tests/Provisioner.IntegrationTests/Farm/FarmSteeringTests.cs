using System.Net;
using System.Text.Json;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Tests.Support;
using static Provisioner.IntegrationTests.Farm.FarmServiceHost;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// Steering a running farm: a job's priority, draining a worker, forgetting a dead one. Through the
/// CLI and the service alike, on a real redis-server; the queue's own answers (what a worker takes
/// next, who is listed) are the proof, not the messages.
/// </summary>
[Collection("farm")]
public sealed class FarmSteeringTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Priority_MovesAJobsWaitingTasks_SoTheyAreTakenFirst_AndRefusesWhatCannotMove()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await StartAsync(farm, token: null);
        await farm.SubmitAsync("first", "/srv/a.blend", "1-4", chunk: 1);
        await farm.SubmitAsync("second", "/srv/b.blend", "1-4", chunk: 1);
        await farm.SubmitAsync("stopped", "/srv/c.blend", "1-2", chunk: 1);
        await farm.Queue.CancelAsync("stopped", CancellationToken.None);

        using var raised = await service.Http.SendAsync(Json("api/v1/jobs/second/priority", new { priority = "high" }));
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        Assert.Equal("high", JsonDocument.Parse(await raised.Content.ReadAsStringAsync()).RootElement.GetProperty("spec").GetProperty("priority").GetString());
        var depths = await farm.Reader.QueueDepthsAsync(CancellationToken.None);
        Assert.Equal((4L, 6L), (depths[Priority.High], depths[Priority.Normal]));
        Assert.Equal("second", (await farm.Queue.TakeAsync("w1", Lease, CancellationToken.None))!.Job.Id);

        // The CLI: the same operation, the same words; the job submitted first now waits behind the rest.
        var lowered = await CliRunner.RunAsync("farm", "priority", "first", "low", "--queue", farm.Url);
        Assert.True(lowered.ExitCode == 0, lowered.Stdout + lowered.Stderr);
        Assert.Equal("first is low priority now: 4 queued task(s) moved to the low queue\n", lowered.Stdout);
        Assert.Equal(Priority.Low, (await farm.Reader.JobAsync("first", CancellationToken.None))!.Spec.Priority);
        var again = await CliRunner.RunAsync("farm", "priority", "first", "low", "--queue", farm.Url);
        Assert.Equal((0, "first is low priority already\n"), (again.ExitCode, again.Stdout));

        var cases = new (HttpRequestMessage Request, HttpStatusCode Status, string Detail)[]
        {
            (Json("api/v1/jobs/stopped/priority", new { priority = "high" }), HttpStatusCode.Conflict, "stopped is cancelled: only a queued or running job changes priority"),
            (Json("api/v1/jobs/nobody/priority", new { priority = "high" }), HttpStatusCode.NotFound, "no job 'nobody' in the queue"),
            (Json("api/v1/jobs/first/priority", new { }), HttpStatusCode.BadRequest, "the body names no priority"),
            (Json("api/v1/jobs/first/priority", new { priority = "urgent" }), HttpStatusCode.BadRequest, "could not be read"),
        };
        foreach (var (request, status, detail) in cases)
        {
            using var response = await service.Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{request.RequestUri}: {(int)response.StatusCode} {body}");
            Assert.Contains(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var refused = await CliRunner.RunAsync("farm", "priority", "stopped", "high", "--queue", farm.Url);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("error: stopped is cancelled: only a queued or running job changes priority", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(" 500 ", service.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADrainedWorker_TakesNothing_UntilUndrained_AndShowsAsDraining()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await StartAsync(farm, token: null);
        await farm.SubmitAsync("work", "/srv/a.blend", "1-2", chunk: 1);
        await farm.Queue.HeartbeatAsync("w1", null, Lease, "GPU 0", "host-a", CancellationToken.None);

        var drained = await CliRunner.RunAsync("farm", "drain", "w1", "--queue", farm.Url);
        Assert.True(drained.ExitCode == 0, drained.Stderr);
        Assert.Contains("w1 is draining", drained.Stdout, StringComparison.Ordinal);
        Assert.Null(await farm.Queue.TakeAsync("w1", Lease, CancellationToken.None));
        Assert.Equal(WorkerCondition.Draining, (await farm.Reader.WorkersAsync(CancellationToken.None)).Single().Condition(DateTimeOffset.UtcNow));
        var listed = await CliRunner.RunAsync("farm", "workers", "--queue", farm.Url);
        Assert.Contains("draining", listed.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await farm.Reader.QueueDepthsAsync(CancellationToken.None))[Priority.Normal]);

        using var undrained = await service.Http.SendAsync(Json("api/v1/workers/w1/undrain", new { }));
        Assert.Equal(HttpStatusCode.OK, undrained.StatusCode);
        Assert.Equal("idle", JsonDocument.Parse(await undrained.Content.ReadAsStringAsync()).RootElement.GetProperty("condition").GetString());
        Assert.Equal("work", (await farm.Queue.TakeAsync("w1", Lease, CancellationToken.None))!.Job.Id);

        using var unknown = await service.Http.SendAsync(Json("api/v1/workers/ghost/drain", new { }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var cli = await CliRunner.RunAsync("farm", "drain", "ghost", "--queue", farm.Url);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("error: no worker 'ghost' has reported to this queue", cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forget_RemovesOnlyASilentWorkerThatHoldsNothing()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await StartAsync(farm, token: null);
        await farm.SubmitAsync("work", "/srv/a.blend", "1-2", chunk: 1);
        await farm.Queue.HeartbeatAsync("alive", null, Lease, "GPU 0", "host-a", CancellationToken.None);
        var task = await farm.Queue.TakeAsync("dead", Lease, CancellationToken.None);
        await farm.Queue.HeartbeatAsync("dead", task!.TaskId, Lease, "GPU 1", "host-a", CancellationToken.None);
        // Its last beat two minutes ago, past WorkerStatus.SilentAfter.
        var past = DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeMilliseconds();
        await farm.Database.HashSetAsync(FarmKeys.Worker("dead"), "heartbeat_ms", past);

        using var alive = await service.Http.DeleteAsync("api/v1/workers/alive");
        using var holding = await service.Http.DeleteAsync("api/v1/workers/dead");
        Assert.Equal(HttpStatusCode.Conflict, alive.StatusCode);
        Assert.Contains("alive beat within the last 90 s", await alive.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, holding.StatusCode);
        Assert.Contains("dead still holds a task", await holding.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Once its task is back in the queue (as the reaper does when the lease runs out), it goes.
        await farm.Queue.ReleaseAsync("dead", task, CancellationToken.None);
        var forgotten = await CliRunner.RunAsync("farm", "forget", "dead", "--queue", farm.Url);
        Assert.True(forgotten.ExitCode == 0, forgotten.Stderr);
        Assert.Equal(["alive"], (await farm.Reader.WorkersAsync(CancellationToken.None)).Select(w => w.Name));
        Assert.False(await farm.Database.KeyExistsAsync(FarmKeys.Worker("dead")));
        Assert.Equal(2, (await farm.Reader.QueueDepthsAsync(CancellationToken.None))[Priority.Normal]);
    }
}
