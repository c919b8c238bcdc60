using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The queue at farm scale against a real Redis, driven directly (simulated workers, no Blender):
/// the reaper reads the lease index, one reaper acts per period, pools take turns, and status
/// reads counters and the running set, not every task.
/// </summary>
[Collection("farm")]
public sealed class FarmScaleTests
{
    private static JobSpec Job(string id, string pool = JobSpec.DefaultPool) =>
        new() { Id = id, Src = "/s.blend", Frames = "1-1000", Output = "/o", Pool = pool };

    private static async Task SubmitAsync(FarmHarness farm, JobSpec spec, int tasks) =>
        Assert.True(await farm.Queue.SubmitAsync(spec with { Frames = "1-" + tasks }, FrameList.Parse("1-" + tasks).Chunk(1), CancellationToken.None));

    /// <summary>Heartbeats from many workers at once, as a farm sends them; each must be answered ok.</summary>
    private static async Task HeartbeatAllAsync(FarmHarness farm, IEnumerable<string> workers, Dictionary<string, TaskLease> held, TimeSpan lease)
    {
        var states = await Task.WhenAll(workers.Select(w => farm.Queue.HeartbeatAsync(w, held[w].TaskId, lease, "", "", CancellationToken.None)));
        Assert.All(states, state => Assert.Equal(LeaseState.Ok, state));
    }

    /// <summary>200 workers hold a task each; one stops heartbeating. Within one lease period its task is back at the front of the queue, and no other worker's task was touched.</summary>
    [Fact]
    public async Task Reaper_200Workers_OnlyTheKilledWorkersTaskIsRequeued_WithinOneLease()
    {
        await using var farm = await FarmHarness.StartAsync();
        await SubmitAsync(farm, Job("big"), 400);
        var lease = TimeSpan.FromSeconds(3);
        var workers = Enumerable.Range(1, 200).Select(i => "w" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var held = new Dictionary<string, TaskLease>();
        foreach (var worker in workers)
        {
            // Taken under a long lease, so a slow machine expires nothing while 200 take in turn.
            held[worker] = (await farm.Queue.TakeAsync(worker, TimeSpan.FromMinutes(10), CancellationToken.None))!;
        }

        // Every worker, the doomed one too, heartbeats once with the short lease; then that one goes quiet.
        var killed = workers[117];
        await HeartbeatAllAsync(farm, workers, held, lease);
        var lastHeard = DateTime.UtcNow;
        var slowestRound = TimeSpan.Zero;
        var reaped = 0;
        while (reaped == 0)
        {
            var round = DateTime.UtcNow;
            await HeartbeatAllAsync(farm, workers.Where(w => w != killed), held, lease);
            reaped = await farm.Queue.ReapAsync(CancellationToken.None);
            slowestRound = TimeSpan.FromTicks(Math.Max(slowestRound.Ticks, (DateTime.UtcNow - round).Ticks));
            // Within one lease period of its last heartbeat, give or take the rounds this machine needs.
            Assert.True(DateTime.UtcNow - lastHeard < lease + 2 * slowestRound + TimeSpan.FromSeconds(1), $"the killed worker's task was not reaped within a lease period (rounds took up to {slowestRound.TotalMilliseconds:F0} ms)");
            await Task.Delay(200);
        }

        Assert.Equal(1, reaped);
        var tasks = (await farm.Reader.TasksAsync("big", CancellationToken.None)).ToDictionary(t => t.TaskId);
        Assert.Equal(("queued", "", 1), (tasks[held[killed].TaskId].State, tasks[held[killed].TaskId].Worker, tasks[held[killed].TaskId].Attempts));
        Assert.All(workers.Where(w => w != killed), w => Assert.Equal(("running", w, 1), (tasks[held[w].TaskId].State, tasks[held[w].TaskId].Worker, tasks[held[w].TaskId].Attempts)));
        Assert.Equal(LeaseState.Lost, await farm.Queue.HeartbeatAsync(killed, held[killed].TaskId, lease, "", "", CancellationToken.None));
        // Requeued to the front: the next take is that task, at its second attempt.
        var next = (await farm.Queue.TakeAsync("fresh", lease, CancellationToken.None))!;
        Assert.Equal((held[killed].TaskId, 2), (next.TaskId, next.Attempt));
        Assert.Equal(200, (await farm.Reader.RunningTasksAsync("big", CancellationToken.None)).Count);
    }

    /// <summary>Workers' periodic reaps: the first per period acts, every other worker finds the lock taken (one reap per period, farm-wide).</summary>
    [Fact]
    public async Task ReapInTurn_OneReaperPerPeriod_FarmWide()
    {
        await using var farm = await FarmHarness.StartAsync();
        var results = new List<int?>();
        foreach (var worker in Enumerable.Range(1, 50).Select(i => "w" + i))
        {
            results.Add(await farm.Queue.ReapInTurnAsync(worker, TimeSpan.FromSeconds(30), CancellationToken.None));
        }

        Assert.Equal(0, results[0]);
        Assert.All(results.Skip(1), r => Assert.Null(r));
        Assert.Equal("w1", (string?)await farm.Database.StringGetAsync(FarmKeys.ReaperLock));
    }

    /// <summary>Two pools at the same priority, 1,000 tasks and 10: the pools take turns, so the small pool's tasks all start within the first 20 takes.</summary>
    [Fact]
    public async Task FairShare_SmallPoolStartsWithinTheFirstTakes_DespiteAHugeJobAhead()
    {
        await using var farm = await FarmHarness.StartAsync();
        await SubmitAsync(farm, Job("huge", "studio-a"), 1000);
        await SubmitAsync(farm, Job("small", "client-b"), 10);

        var order = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            order.Add((await farm.Queue.TakeAsync("w" + i, TimeSpan.FromMinutes(1), CancellationToken.None))!.Job.Id);
        }

        Assert.Equal(10, order.Take(20).Count(id => id == "small"));
        Assert.Equal(30, order.Count(id => id == "huge"));
        // With the small pool empty, the big one has every worker to itself.
        Assert.All(order.Skip(20), id => Assert.Equal("huge", id));
        Assert.Equal(0, await farm.Database.SortedSetRankAsync(FarmKeys.Pools(Priority.Normal), "studio-a"));
        Assert.Null(await farm.Database.SortedSetRankAsync(FarmKeys.Pools(Priority.Normal), "client-b"));
    }

    /// <summary>Priority still comes first: a high-priority pool's task is taken before any normal one, whatever the turns.</summary>
    [Fact]
    public async Task FairShare_PriorityBeforePools()
    {
        await using var farm = await FarmHarness.StartAsync();
        await SubmitAsync(farm, Job("a", "pool-a"), 3);
        await SubmitAsync(farm, Job("b", "pool-b") with { Priority = Priority.High }, 2);

        var order = new List<string>();
        while (await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None) is { } task)
        {
            order.Add(task.Job.Id);
        }

        Assert.Equal(["b", "b", "a", "a", "a"], order);
    }

    /// <summary>A completion repeated (as after a failover or a retried call) says done and counts nothing twice.</summary>
    [Fact]
    public async Task Complete_Repeated_CountsOnce()
    {
        await using var farm = await FarmHarness.StartAsync();
        await SubmitAsync(farm, Job("j"), 2);
        var task = (await farm.Queue.TakeAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None))!;

        Assert.True(await farm.Queue.CompleteAsync("w", task, [new FrameTime(1, TimeSpan.FromSeconds(1))], CancellationToken.None));
        Assert.True(await farm.Queue.CompleteAsync("w", task, [new FrameTime(1, TimeSpan.FromSeconds(1))], CancellationToken.None));
        Assert.False(await farm.Queue.CompleteAsync("other", task, [new FrameTime(1, TimeSpan.FromSeconds(1))], CancellationToken.None));

        var job = (await farm.Reader.JobAsync("j", CancellationToken.None))!;
        Assert.Equal((1, 1), (job.TasksDone, job.FramesDone));
        Assert.Empty(await farm.Reader.RunningTasksAsync("j", CancellationToken.None));
        Assert.Equal(0, await farm.Database.SortedSetLengthAsync(FarmKeys.Leases));
    }
}
