using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using StackExchange.Redis;

namespace Provisioner.Benchmark;

/// <summary>
/// The queue at farm scale: W simulated workers (async loops in this process, a no-op renderer:
/// take, one heartbeat, complete) against one redis-server on 127.0.0.1, with 100,000 one-frame
/// tasks over 100 jobs plus a 10,000-task job whose `farm status` is timed. Each worker also does
/// its housekeeping (the reaper) every 5 s, as the agent does. Reports takes and completes per
/// second, p50/p99 latency of both, Redis's CPU (INFO cpu) in all and per task, and the reaper's
/// runs and latency. With --baseline the same figures come from a build of an earlier queue (see
/// bench/queue-baseline.sh), run alternately with this one on the same machine.
///   dotnet run -c Release --project bench/Provisioner.Benchmark -- queue [--workers 10,100,1000] [--seconds 15] [--baseline DLL]
/// </summary>
internal static class QueueBenchmark
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReapEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private const int Jobs = 100;
    private const int TasksPerJob = 1000;
    private const int StatusJobTasks = 10_000;

    /// <summary>One run's figures (milliseconds, per second, percent of one core).</summary>
    public sealed record Figures(
        int Workers, double TakesPerSecond, double CompletesPerSecond,
        double TakeP50, double TakeP99, double CompleteP50, double CompleteP99,
        double RedisCpuPercent, double RedisCpuMicrosPerTask, int ReapRuns, double ReapP50, double StatusMs);

    public static async Task<int> RunAsync(string[] args)
    {
        var workerCounts = Bench.Option(args, "--workers", "10,100,1000").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        var seconds = int.Parse(Bench.Option(args, "--seconds", "15"), CultureInfo.InvariantCulture);
        var baseline = Bench.Option(args, "--baseline", "");
        if (args.Contains("--json"))
        {
            // One run for a comparing parent process (see --baseline).
            Console.WriteLine(JsonSerializer.Serialize(await MeasureAsync(workerCounts[0], TimeSpan.FromSeconds(seconds))));
            return 0;
        }

        if (baseline.Length > 0 && !File.Exists(baseline))
        {
            Console.Error.WriteLine($"--baseline {baseline}: no such file (build it with bench/queue-baseline.sh)");
            return 1;
        }

        Console.WriteLine($"queue benchmark: {Jobs} jobs x {TasksPerJob} tasks + a {StatusJobTasks}-task job; {seconds} s measured after {WarmUp.TotalSeconds:F0} s warm-up; {Environment.ProcessorCount} cores; this build{(baseline.Length > 0 ? " vs " + baseline : "")}");
        Console.WriteLine($"{"workers",8} {"build",-9} {"takes/s",8} {"done/s",8} {"take p50",9} {"p99",7} {"done p50",9} {"p99",7} {"redis cpu",10} {"µs/task",8} {"reaps",6} {"reap p50",9} {"status",8}");
        foreach (var workers in workerCounts)
        {
            // Alternate who goes first, so neither build always meets the machine warm.
            var first = workers % 2 == 0;
            Figures? theirs = null;
            if (baseline.Length > 0 && first)
            {
                theirs = Baseline(baseline, workers, seconds);
            }

            var ours = await MeasureAsync(workers, TimeSpan.FromSeconds(seconds));
            if (baseline.Length > 0 && !first)
            {
                theirs = Baseline(baseline, workers, seconds);
            }

            Print("this", ours);
            if (theirs is not null)
            {
                Print("baseline", theirs);
            }
        }

        return 0;
    }

    private static void Print(string build, Figures f) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{f.Workers,8} {build,-9} {f.TakesPerSecond,8:F0} {f.CompletesPerSecond,8:F0} {f.TakeP50,7:F1}ms {f.TakeP99,5:F0}ms {f.CompleteP50,7:F1}ms {f.CompleteP99,5:F0}ms {f.RedisCpuPercent,9:F0}% {f.RedisCpuMicrosPerTask,8:F0} {f.ReapRuns,6} {f.ReapP50,7:F1}ms {f.StatusMs,6:F0}ms"));

    private static Figures Baseline(string dll, int workers, int seconds)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { dll, "queue", "--json", "--workers", workers.ToString(CultureInfo.InvariantCulture), "--seconds", seconds.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? JsonSerializer.Deserialize<Figures>(output.Trim().Split('\n')[^1])!
            : throw new InvalidOperationException($"the baseline run failed ({process.ExitCode}): {output}");
    }

    private static async Task<Figures> MeasureAsync(int workers, TimeSpan window)
    {
        var port = Bench.FreePort();
        using var redis = await Bench.StartRedisAsync(port);
        try
        {
            var url = $"redis://127.0.0.1:{port}/0";
            // A farm's workers each have their own connection; 16 here spread the load as the server sees it.
            var connections = new List<ConnectionMultiplexer>();
            for (var i = 0; i < 16; i++)
            {
                connections.Add(await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},syncTimeout=30000,asyncTimeout=30000,allowAdmin=true"));
            }

            var queues = connections.Select(c => new FarmQueue(c.GetDatabase(), TimeProvider.System)).ToArray();
            await SubmitAsync(queues[0], "status", StatusJobTasks);
            for (var j = 0; j < Jobs; j++)
            {
                await SubmitAsync(queues[0], "job" + j.ToString("D3", CultureInfo.InvariantCulture), TasksPerJob);
            }

            var clock = Stopwatch.StartNew();
            var measureFrom = WarmUp;
            var measureTo = WarmUp + window;
            using var stop = new CancellationTokenSource();
            var loops = Enumerable.Range(0, workers).Select(i => Task.Run(() => WorkerAsync(queues[i % queues.Length], "w" + i.ToString("D4", CultureInfo.InvariantCulture), i * ReapEvery / workers, clock, measureFrom, measureTo, stop.Token))).ToArray();
            await Task.Delay(measureFrom);
            var cpuBefore = await RedisCpuAsync(connections[0], port);
            await Task.Delay(window);
            var cpuAfter = await RedisCpuAsync(connections[0], port);
            await stop.CancelAsync();
            var samples = await Task.WhenAll(loops);

            var takes = samples.SelectMany(s => s.Takes).Order().ToArray();
            var completes = samples.SelectMany(s => s.Completes).Order().ToArray();
            var reaps = samples.SelectMany(s => s.Reaps).Order().ToArray();
            var statusMs = Enumerable.Range(0, 3).Select(_ => StatusMs(url)).Order().ElementAt(1);
            foreach (var connection in connections)
            {
                connection.Dispose();
            }

            var cpu = cpuAfter - cpuBefore;
            return new Figures(workers, takes.Length / window.TotalSeconds, completes.Length / window.TotalSeconds,
                Percentile(takes, 50), Percentile(takes, 99), Percentile(completes, 50), Percentile(completes, 99),
                100 * cpu / window.TotalSeconds, completes.Length == 0 ? 0 : cpu * 1e6 / completes.Length,
                reaps.Length, Percentile(reaps, 50), statusMs);
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
        }
    }

    private sealed record Samples(List<double> Takes, List<double> Completes, List<double> Reaps);

    /// <summary>One simulated worker: take, heartbeat, complete, at once (no-op renderer), and the agent's housekeeping every 5 s.</summary>
    private static async Task<Samples> WorkerAsync(FarmQueue queue, string name, TimeSpan reapOffset, Stopwatch clock, TimeSpan from, TimeSpan to, CancellationToken stop)
    {
        var samples = new Samples([], [], []);
        var nextReap = reapOffset;
        bool Measured() => clock.Elapsed >= from && clock.Elapsed < to;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (clock.Elapsed >= nextReap)
                {
                    nextReap += ReapEvery;
                    var reapStarted = clock.Elapsed;
                    if (await ReapAsync(queue, name, stop) && Measured())
                    {
                        samples.Reaps.Add((clock.Elapsed - reapStarted).TotalMilliseconds);
                    }
                }

                var started = clock.Elapsed;
                var task = await queue.TakeAsync(name, Lease, stop);
                if (Measured())
                {
                    samples.Takes.Add((clock.Elapsed - started).TotalMilliseconds);
                }

                if (task is null)
                {
                    await Task.Delay(1000, stop);
                    continue;
                }

                await queue.HeartbeatAsync(name, task.TaskId, Lease, "GPU-bench", "bench", stop);
                started = clock.Elapsed;
                await queue.CompleteAsync(name, task, [.. task.Frames.Frames.Select(f => new FrameTime(f, TimeSpan.FromMilliseconds(10)))], stop);
                if (Measured())
                {
                    samples.Completes.Add((clock.Elapsed - started).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        return samples;
    }

#if QUEUE_BASELINE
    // The earlier queue: every worker reaps, walking every worker's task list.
    private static async Task<bool> ReapAsync(FarmQueue queue, string name, CancellationToken stop)
    {
        _ = name;
        await queue.ReapAsync(stop);
        return true;
    }
#else
    // This queue: the first worker per period reaps (under the lock); the rest are told no at once.
    private static async Task<bool> ReapAsync(FarmQueue queue, string name, CancellationToken stop) =>
        await queue.ReapInTurnAsync(name, ReapEvery, stop) is not null;
#endif

    private static async Task SubmitAsync(FarmQueue queue, string id, int tasks)
    {
        var frames = "1-" + tasks.ToString(CultureInfo.InvariantCulture);
        var spec = new JobSpec { Id = id, Src = "/srv/work/bench.blend", Frames = frames, Output = "/srv/work/out/" + id, Device = "CPU" };
        if (!await queue.SubmitAsync(spec, FrameList.Parse(frames).Chunk(1), CancellationToken.None))
        {
            throw new InvalidOperationException("job " + id + " exists already");
        }
    }

    private static async Task<double> RedisCpuAsync(ConnectionMultiplexer connection, int port)
    {
        var info = (await connection.GetServer("127.0.0.1", port).InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return double.Parse(info["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(info["used_cpu_sys"], CultureInfo.InvariantCulture);
    }

    /// <summary>`provision farm status status` as a user runs it (its own process), in milliseconds.</summary>
    private static double StatusMs(string url)
    {
        var clock = Stopwatch.StartNew();
        Bench.Exec("dotnet", Path.Combine(AppContext.BaseDirectory, "provision.dll"), "farm", "status", "status", "--queue", url);
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Percentile(double[] sorted, int percent) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1)];
}
