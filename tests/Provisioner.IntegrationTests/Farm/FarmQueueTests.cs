using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>The queue's scripts against a real Redis, driven directly (no Blender): priorities, leases, attempts.</summary>
[Collection("farm")]
public sealed class FarmQueueTests
{
    private static JobSpec Job(string id, Priority priority = Priority.Normal, int maxAttempts = 3) =>
        new() { Id = id, Src = "/s.blend", Frames = "1-4", Output = "/o", Priority = priority, MaxAttempts = maxAttempts };

    [Fact]
    public async Task Take_HighBeforeNormalBeforeLow_WhateverTheSubmitOrder()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Queue.SubmitAsync(Job("low", Priority.Low), FrameList.Parse("1-4").Chunk(4), CancellationToken.None);
        await farm.Queue.SubmitAsync(Job("normal"), FrameList.Parse("1-4").Chunk(4), CancellationToken.None);
        await farm.Queue.SubmitAsync(Job("high", Priority.High), FrameList.Parse("1-4").Chunk(4), CancellationToken.None);

        var order = new List<string>();
        while (await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None) is { } task)
        {
            order.Add(task.Job.Id);
        }

        Assert.Equal(["high", "normal", "low"], order);
    }

    /// <summary>
    /// Tasks stranded on lists no worker reads (farm:queue:7 from a numeric priority an older build
    /// took, farm:queue:normal from a build before pools) go to their job's queue at the next intake;
    /// the keyspace scan then waits its period, whoever asks.
    /// </summary>
    [Fact]
    public async Task StrandedQueues_AreRequeuedByTheNextIntake_OncePerPeriod()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Queue.SubmitAsync(Job("numeric"), FrameList.Parse("1-4").Chunk(4), CancellationToken.None);
        await farm.Queue.SubmitAsync(Job("prepools"), FrameList.Parse("1-4").Chunk(4), CancellationToken.None);
        var queue = FarmKeys.Queue(Priority.Normal, JobSpec.DefaultPool);
        await farm.Database.ListMoveAsync(queue, FarmKeys.QueuePrefix + "7", StackExchange.Redis.ListSide.Left, StackExchange.Redis.ListSide.Left);
        await farm.Database.ListMoveAsync(queue, FarmKeys.QueuePrefix + "normal", StackExchange.Redis.ListSide.Left, StackExchange.Redis.ListSide.Left);
        Assert.Null(await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None));

        Assert.Equal(0, await new SeedIntake(farm.Database, farm.Queue, ["/"]).TakeInAsync("w", CancellationToken.None));

        var taken = new[] { await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None), await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None) };
        Assert.Equal(["numeric", "prepools"], taken.Select(t => t?.Job.Id).Order(StringComparer.Ordinal));
        Assert.False(await farm.Database.KeyExistsAsync(FarmKeys.QueuePrefix + "7"));
        Assert.False(await farm.Database.KeyExistsAsync(FarmKeys.QueuePrefix + "normal"));

        // Stranded again within the period: the next intake does not scan (the keyspace walk is once per period, farm-wide).
        await farm.Database.ListRightPushAsync(FarmKeys.QueuePrefix + "7", "numeric:0001");
        Assert.Equal(0, await new SeedIntake(farm.Database, farm.Queue, ["/"]).RequeueStrandedAsync(TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.True(await farm.Database.KeyExistsAsync(FarmKeys.QueuePrefix + "7"));
    }

    /// <summary>
    /// Tasks an older build took have a lease key (farm:lease:TASK) and no place in the lease index:
    /// the periodic scan indexes them with that key's deadline (due at once when the key is gone),
    /// so a worker that died under the old build still has its task reaped.
    /// </summary>
    [Fact]
    public async Task LeasesOfAnOlderBuild_AreIndexedByTheScan_AndReapedAtTheirOwnDeadline()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Queue.SubmitAsync(Job("upgrade"), FrameList.Parse("1-2").Chunk(1), CancellationToken.None);
        var lasting = (await farm.Queue.TakeAsync("lasting", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        var expired = (await farm.Queue.TakeAsync("expired", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        // As the older build left them: no index entry, no running set, a lease key (or none once it expired).
        await farm.Database.KeyDeleteAsync([FarmKeys.Leases, FarmKeys.JobRunning("upgrade")]);
        await farm.Database.StringSetAsync("farm:lease:" + lasting.TaskId, "lasting", TimeSpan.FromMilliseconds(1500));
        Assert.Equal(0, await farm.Queue.ReapAsync(CancellationToken.None));

        Assert.Equal(2, await new SeedIntake(farm.Database, farm.Queue, ["/"]).RequeueStrandedAsync(TimeSpan.FromMinutes(5), CancellationToken.None));

        Assert.Equal(2, (await farm.Reader.RunningTasksAsync("upgrade", CancellationToken.None)).Count);
        Assert.Equal(1, await farm.Queue.ReapAsync(CancellationToken.None));
        var tasks = (await farm.Reader.TasksAsync("upgrade", CancellationToken.None)).ToDictionary(t => t.TaskId);
        Assert.Equal(("queued", "running"), (tasks[expired.TaskId].State, tasks[lasting.TaskId].State));
        await Task.Delay(1600);
        Assert.Equal(1, await farm.Queue.ReapAsync(CancellationToken.None));
        Assert.Equal("queued", (await farm.Reader.TasksAsync("upgrade", CancellationToken.None)).Single(t => t.TaskId == lasting.TaskId).State);
    }

    /// <summary>Seed jobs whose paths are clean but leave the worker's roots (the share, the work disk) are refused with the roots named, never queued.</summary>
    [Fact]
    public async Task SeedJob_OutsideTheAllowedRoots_IsRejectedWithTheRootsNamed()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Database.ListLeftPushAsync(FarmKeys.SeedQueue, """{"id":"cron","src":"/mnt/renders/s.blend","frames":"1","output":"/etc/cron.d"}""");
        await farm.Database.ListLeftPushAsync(FarmKeys.SeedQueue, """{"id":"shadow","src":"/etc/shadow","frames":"1","output":"/mnt/renders/out"}""");
        await farm.Database.ListLeftPushAsync(FarmKeys.SeedQueue, """{"id":"sibling","src":"/mnt/renders/s.blend","frames":"1","output":"/mnt/renders2/out"}""");
        await farm.Database.ListLeftPushAsync(FarmKeys.SeedQueue, """{"id":"fine","src":"/mnt/renders/s.blend","frames":"1","output":"/srv/work/out"}""");

        Assert.Equal(1, await new SeedIntake(farm.Database, farm.Queue, ["/mnt/renders", "/srv/work"]).TakeInAsync("w", CancellationToken.None));

        foreach (var (id, field) in new[] { ("cron", "output '/etc/cron.d'"), ("shadow", "src '/etc/shadow'"), ("sibling", "output '/mnt/renders2/out'") })
        {
            var hash = await farm.Database.HashGetAllAsync(FarmKeys.Job(id));
            var fields = hash.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
            Assert.Equal("failed", fields["status"]);
            Assert.Contains($"rejected: {field} is outside the directories this worker may", fields["error"], StringComparison.Ordinal);
            Assert.Contains("/mnt/renders, /srv/work", fields["error"], StringComparison.Ordinal);
        }

        Assert.Equal("fine", (await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None))?.Job.Id);
        Assert.Null(await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    /// <summary>
    /// Mid-failover a client may still write to a server it knows as the primary that has become a
    /// replica: a script gets READONLY, a transaction EXECABORT. The queue waits that out (the next
    /// promotion ends it) instead of failing the call; a replica runs nothing of a script that
    /// writes, nor any of a discarded transaction, so each retried call counts once.
    /// </summary>
    [Fact]
    public async Task WritesToAPrimaryTurnedReplica_AreRetried_UntilItIsPrimaryAgain()
    {
        await using var server = await RedisServer.StartAsync();
        using var connection = server.Connect();
        var queue = new FarmQueue(connection.GetDatabase(), TimeProvider.System, TimeSpan.FromSeconds(20));
        Assert.True(await queue.SubmitAsync(Job("before"), FrameList.Parse("1-4").Chunk(2), CancellationToken.None));
        await using var other = await RedisServer.StartAsync(["--replicaof", "127.0.0.1", Port(server)]);
        using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port},127.0.0.1:{other.Port},allowAdmin=true");
        await other.SyncedAsync();
        // The failover as the client misses it: the other server is promoted, this one demoted.
        await admin.GetServer("127.0.0.1", other.Port).ExecuteAsync("REPLICAOF", "NO", "ONE");
        await admin.GetServer("127.0.0.1", server.Port).ExecuteAsync("REPLICAOF", "127.0.0.1", Port(other));
        var refused = await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => connection.GetDatabase().StringSetAsync("probe", "1"));
        Assert.StartsWith("READONLY", refused.Message, StringComparison.Ordinal);

        var submit = queue.SubmitAsync(Job("during-failover"), FrameList.Parse("1-4").Chunk(2), CancellationToken.None);
        var take = queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None);
        await Task.Delay(1500);
        Assert.False(submit.IsCompleted, "the submit to a replica ended (failed or went through) before it was primary again: " + submit.Exception);
        Assert.False(take.IsCompleted, "the take from a replica ended (failed or went through) before it was primary again: " + take.Exception);
        await server.SyncedAsync();
        await admin.GetServer("127.0.0.1", server.Port).ExecuteAsync("REPLICAOF", "NO", "ONE");

        Assert.True(await submit);
        var taken = (await take)!;
        Assert.Equal(("before", 1), (taken.Job.Id, taken.Attempt));
        var reader = new FarmReader(connection.GetDatabase(), queue);
        var job = (await reader.JobAsync("during-failover", CancellationToken.None))!;
        Assert.Equal(("queued", 2), (job.Status, job.TasksTotal));
        Assert.Equal(1, (await reader.TasksAsync("before", CancellationToken.None)).Count(t => t.State == "running"));
    }

    private static string Port(RedisServer server) => server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ExpiredLease_ReapedToTheFront_HeartbeatThenSaysLost_AndCompleteIsRefused()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Queue.SubmitAsync(Job("j"), FrameList.Parse("1-4").Chunk(2), CancellationToken.None);
        var first = (await farm.Queue.TakeAsync("dead", TimeSpan.FromMilliseconds(300), CancellationToken.None))!;

        Assert.Equal(0, await farm.Queue.ReapAsync(CancellationToken.None));
        await Task.Delay(600);
        Assert.Equal(1, await farm.Queue.ReapAsync(CancellationToken.None));

        Assert.Equal(LeaseState.Lost, await farm.Queue.HeartbeatAsync("dead", first.TaskId, TimeSpan.FromMinutes(1), "", "", CancellationToken.None));
        Assert.False(await farm.Queue.CompleteAsync("dead", first, [new FrameTime(1, TimeSpan.FromSeconds(1))], CancellationToken.None));
        var again = (await farm.Queue.TakeAsync("alive", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        Assert.Equal((first.TaskId, 2), (again.TaskId, again.Attempt));
        Assert.True(await farm.Queue.CompleteAsync("alive", again, [new FrameTime(1, TimeSpan.FromSeconds(1)), new FrameTime(2, TimeSpan.FromSeconds(2))], CancellationToken.None));
        var job = (await farm.Reader.JobAsync("j", CancellationToken.None))!;
        Assert.Equal(("running", 2, 1), (job.Status, job.FramesDone, job.TasksDone));
        Assert.Null(await farm.Queue.SecondsPerFrameAsync(new string('0', 64), CancellationToken.None));
    }

    [Fact]
    public async Task FailedAttempts_RequeuedUntilMaxAttempts_ThenTheJobFailsWithTheLastError_AndRetryRunsItAgain()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Queue.SubmitAsync(Job("j", maxAttempts: 2), FrameList.Parse("1-4").Chunk(4), CancellationToken.None);

        var attempt1 = (await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        Assert.Equal(FailOutcome.Requeued, await farm.Queue.FailAsync("w", attempt1, "Blender: Error: first", CancellationToken.None));
        var attempt2 = (await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        Assert.Equal(FailOutcome.JobFailed, await farm.Queue.FailAsync("w", attempt2, "Blender: Error: second", CancellationToken.None));

        var job = (await farm.Reader.JobAsync("j", CancellationToken.None))!;
        Assert.Equal(("failed", 4), (job.Status, job.FramesFailed));
        Assert.Equal("task j:0001 (frames 1-4) failed 2 times; last error: Blender: Error: second", job.Error);
        Assert.Null(await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None));

        Assert.Equal(("retried", 1), await farm.Queue.RetryAsync("j", CancellationToken.None));
        Assert.Equal(("queued", 0), await farm.Queue.RetryAsync("j", CancellationToken.None)); // queued already: not retried again
        var fresh = (await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        Assert.Equal(1, fresh.Attempt);
        Assert.Equal(("unknown", 0), await farm.Queue.RetryAsync("nope", CancellationToken.None));
        Assert.Equal(("running", 0), await farm.Queue.RetryAsync("j", CancellationToken.None));
    }

    /// <summary>
    /// Found by the dashboard test in CI: a worker whose tasks end before their first lease
    /// renewal never heartbeats while busy, and showed lost while rendering frame after frame.
    /// </summary>
    [Fact]
    public async Task AWorkerThatOnlyTakesTasks_IsAlive_NotLost()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Queue.SubmitAsync(Job("j"), FrameList.Parse("1-4").Chunk(1), CancellationToken.None);
        var before = DateTimeOffset.UtcNow;
        var task = (await farm.Queue.TakeAsync("quick", TimeSpan.FromMinutes(1), CancellationToken.None))!;

        var worker = (await farm.Reader.WorkersAsync(CancellationToken.None)).Single(w => w.Name == "quick");
        Assert.NotNull(worker.Heartbeat);
        Assert.InRange(worker.Heartbeat!.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(WorkerCondition.Busy, worker.Condition(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(8)));
        Assert.Equal(task.TaskId, worker.Task);
    }

    [Fact]
    public async Task Release_GivesTheTaskBackWithoutSpendingAnAttempt()
    {
        await using var farm = await FarmHarness.StartAsync();
        await farm.Queue.SubmitAsync(Job("j", maxAttempts: 1), FrameList.Parse("1-4").Chunk(4), CancellationToken.None);
        var task = (await farm.Queue.TakeAsync("stopping", TimeSpan.FromMinutes(1), CancellationToken.None))!;

        Assert.Equal(FailOutcome.Requeued, await farm.Queue.ReleaseAsync("stopping", task, CancellationToken.None));

        var again = (await farm.Queue.TakeAsync("other", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        Assert.Equal((task.TaskId, 1), (again.TaskId, again.Attempt));
    }
}
