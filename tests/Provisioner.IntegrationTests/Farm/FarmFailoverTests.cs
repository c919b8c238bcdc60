using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The farm through a Redis failover, all real: a primary, two replicas and three sentinels, worker
/// processes rendering with Debian's Blender, and the primary SIGKILLed midway.
/// </summary>
[Collection("farm")]
public sealed class FarmFailoverTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    [Fact]
    public async Task PrimaryKilledMidJob_SentinelPromotesAReplica_EveryFrameExactlyOnce_StatusAnswersThroughout()
    {
        await using var set = await SentinelSet.StartAsync();
        await using var farm = await FarmHarness.StartAsync(set);
        await farm.SubmitAsync("failover", scene.Path, "1-24", chunk: 3);
        // The shipped lease (30 s, renewed every 5 s): the seconds of a switch, and a renewal the
        // new primary never saw, must not expire a live worker's task.
        var workerSettings = new Dictionary<string, string> { ["PROVISION_LEASE_SECONDS"] = "30" };
        farm.StartWorker("w1", workerSettings);
        farm.StartWorker("w2", workerSettings);
        await farm.WaitUntilAsync(async () => (await farm.Reader.JobAsync("failover", CancellationToken.None))!.TasksDone >= 2, TimeSpan.FromSeconds(120), "two tasks are done");

        // `farm status` as a user runs it, over and over, through the switch.
        using var stopAsking = new CancellationTokenSource();
        var answers = new ConcurrentQueue<(TimeSpan Started, TimeSpan Took, int Exit, string Text)>();
        var sinceStart = Stopwatch.StartNew();
        var asking = Task.Run(async () =>
        {
            while (!stopAsking.IsCancellationRequested)
            {
                var started = sinceStart.Elapsed;
                var status = await CliRunner.RunAsync("farm", "status", "failover", "--queue", set.Url);
                answers.Enqueue((started, sinceStart.Elapsed - started, status.ExitCode, status.Stdout + status.Stderr));
                await Task.Delay(250);
            }
        });

        var killedPort = set.Servers[0].Port;
        Assert.Equal(killedPort, await set.PrimaryPortAsync());
        var beforeKill = (await farm.Reader.JobAsync("failover", CancellationToken.None))!;
        Assert.True(beforeKill.TasksDone < 8, "the job ended before the primary could be killed: nothing was tested");
        await set.Servers[0].KillAsync();
        var killed = sinceStart.Elapsed;
        await farm.WaitUntilAsync(async () => await set.PrimaryPortAsync() != killedPort, TimeSpan.FromSeconds(60), "the sentinels promoted a replica");
        var promoted = sinceStart.Elapsed;
        output.WriteLine($"promoted {(promoted - killed).TotalSeconds:F1} s after the kill; {beforeKill.TasksDone}/8 tasks were done at the kill");
        var job = await farm.WaitForEndAsync("failover", TimeSpan.FromMinutes(4));
        await stopAsking.CancelAsync();
        await asking;

        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal((24, 0, 8, 8), (job.FramesDone, job.FramesFailed, job.TasksDone, job.TasksTotal));
        var frames = await farm.Reader.FramesAsync("failover", CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 24), frames.Select(f => f.Frame));
        Assert.Equal(Enumerable.Range(1, 24).Select(f => "frame_" + f.ToString("D4", CultureInfo.InvariantCulture) + ".png"), farm.OutputFiles());
        Assert.All(farm.OutputFiles(), f => Assert.Null(PngCheck.Problem(Path.Combine(farm.Output, f))));
        // Rendered once, too: no take or completion was undone by the switch, so no task ran twice.
        var tasks = await farm.Reader.TasksAsync("failover", CancellationToken.None);
        Assert.True(tasks.All(t => (t.State, t.Attempts) == ("done", 1)), string.Join('\n', tasks) + "\n" + farm.Logs());

        // Every status call answered, those asked while the primary was gone included, none after a
        // long wait; and one asked now, with the old primary still down, answers from the new one.
        var all = answers.ToArray();
        output.WriteLine("status calls (start s + took s): " + string.Join(", ", all.Select(a => string.Create(CultureInfo.InvariantCulture, $"{(a.Started - killed).TotalSeconds:F1}+{a.Took.TotalSeconds:F1}"))));
        Assert.Contains(all, a => a.Started < promoted && a.Started + a.Took > killed);
        var after = await CliRunner.RunAsync("farm", "status", "failover", "--queue", set.Url);
        Assert.True(after.ExitCode == 0 && after.Stdout.Contains("done", StringComparison.Ordinal), after.Stdout + after.Stderr);
        Assert.All(all, a => Assert.True(a.Exit == 0 && a.Text.Contains("failover", StringComparison.Ordinal), $"farm status failed (exit {a.Exit}) after {a.Took.TotalSeconds:F1} s:\n{a.Text}"));
        // No call waits long past the moment there is a primary again: the one asked at the kill
        // answers within a few seconds of the promotion (a reply overdue by the client's 3 s
        // timeout is retried through the sentinels), not after 10 s timeouts back to back.
        var lateness = all.Select(a => a.Started + a.Took - (a.Started > promoted ? a.Started : promoted)).Max();
        Assert.True(lateness < TimeSpan.FromSeconds(6), $"a status call answered {lateness.TotalSeconds:F1} s after there was a primary to answer it");
    }
}
