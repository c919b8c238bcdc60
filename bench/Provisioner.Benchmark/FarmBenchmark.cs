using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Worker.Rendering;
using StackExchange.Redis;

namespace Provisioner.Benchmark;

/// <summary>
/// The render farm's speed with real parts (redis-server, provision-worker processes, Debian's
/// Blender on the CPU): Blender's fixed cost per task (process start to first frame), then the
/// throughput of 1, 2 and 3 workers on the same job, each Blender limited to one thread so a
/// worker stands for one GPU. Efficiency = farm throughput / (workers x single-worker throughput).
/// Here the workers share the machine's cores (in a farm each has its own GPU), so each run is also
/// compared with bare Blender running the same tasks split evenly over as many processes.
///   dotnet run -c Release --project bench/Provisioner.Benchmark -- farm [frames=60] [chunk=10]
/// </summary>
internal static class FarmBenchmark
{
    public static async Task<int> RunAsync(int frames, int chunk)
    {
        var root = Bench.FindRepo();
        var work = Path.Combine(Path.GetTempPath(), "provision-farm-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        var scene = Path.Combine(work, "scene.blend");
        Run("blender", "-b", "--factory-startup", "--python", Path.Combine(root, "tests", "farm", "make_scene.py"), "--", scene);
        Console.WriteLine($"scene: {scene} (tests/farm/make_scene.py); {Environment.ProcessorCount} CPU cores; Blender -t 1 per worker");

        // Fixed cost: a 1-frame task, three times (the first warms the page cache).
        var runner = new BlenderRunner(TimeProvider.System);
        var costs = new List<(TimeSpan Fixed, TimeSpan Frame, TimeSpan Wall)>();
        for (var i = 0; i < 3; i++)
        {
            var command = new BlenderCommand("blender", scene, Path.Combine(work, "fixed", "f_####"), FrameList.Parse("1"), "CPU", null, 1);
            var result = await runner.RunAsync(command, TimeSpan.FromMinutes(2), null, CancellationToken.None);
            costs.Add((result.FirstFrameAfter ?? TimeSpan.Zero, result.Log.Saved.Count > 0 ? result.Log.Saved[0].Time : TimeSpan.Zero, result.Elapsed));
        }

        var median = costs.OrderBy(c => c.Fixed).ElementAt(1);
        Console.WriteLine($"Blender fixed cost per task (start to first frame, median of 3): {median.Fixed.TotalSeconds:F2} s; one frame renders in {median.Frame.TotalSeconds:F2} s; whole 1-frame task {median.Wall.TotalSeconds:F2} s");

        var port = Bench.FreePort();
        using var redis = await Bench.StartRedisAsync(port);
        try
        {
            using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
            var queue = new FarmQueue(connection.GetDatabase(), TimeProvider.System);
            var reader = new FarmReader(connection.GetDatabase(), queue);
            var throughput = new Dictionary<int, double>();
            foreach (var workers in new[] { 1, 2, 3 })
            {
                var seconds = await MeasureAsync(queue, reader, $"redis://127.0.0.1:{port}/0", scene, work, workers, frames, chunk);
                throughput[workers] = frames / seconds;
                var ideal = throughput[1] * workers;
                var bare = frames / await BareBlenderAsync(scene, work, workers, frames, chunk);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{workers} worker(s): {frames} frames in chunks of {chunk}: {seconds:F1} s = {throughput[workers]:F2} frames/s = {100 * throughput[workers] / ideal:F0}% of {workers} x single-worker; bare Blender, same tasks split evenly over {workers} processes, no queue: {bare:F2} frames/s -> farm at {100 * throughput[workers] / bare:F0}% of it"));
            }
        }
        finally
        {
            redis.Kill();
            Directory.Delete(work, recursive: true);
        }

        return 0;
    }

    /// <summary>
    /// The same tasks without the farm: <paramref name="workers"/> processes side by side, each
    /// running its even share of the tasks back to back with Blender alone. What this machine's
    /// cores allow; the farm's own overhead (queue, leases, frame checks, delivery) is the rest.
    /// </summary>
    private static async Task<double> BareBlenderAsync(string scene, string work, int workers, int frames, int chunk)
    {
        var tasks = FrameList.Parse($"1-{frames}").Chunk(chunk);
        var runner = new BlenderRunner(TimeProvider.System);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            for (var t = w; t < tasks.Count; t += workers)
            {
                var command = new BlenderCommand("blender", scene, Path.Combine(work, "bare", $"w{w}", "f_####"), tasks[t], "CPU", null, 1);
                await runner.RunAsync(command, TimeSpan.FromMinutes(5), null, CancellationToken.None);
            }
        }));
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> MeasureAsync(FarmQueue queue, FarmReader reader, string url, string scene, string work, int workers, int frames, int chunk)
    {
        var id = "bench-" + workers.ToString(CultureInfo.InvariantCulture);
        var output = Path.Combine(work, id);
        var processes = Enumerable.Range(1, workers).Select(i => StartWorker($"{id}-w{i}", url, Path.Combine(work, "work", $"{id}-w{i}"), work)).ToList();
        await Task.Delay(3000); // workers up and polling: measure rendering, not .NET start-up
        var clock = Stopwatch.StartNew();
        await queue.SubmitAsync(new JobSpec { Id = id, Src = scene, Frames = $"1-{frames}", Output = output, Device = "CPU" },
            FrameList.Parse($"1-{frames}").Chunk(chunk), CancellationToken.None);
        JobStatus? job;
        while ((job = await reader.JobAsync(id, CancellationToken.None))?.Status is not ("done" or "failed"))
        {
            await Task.Delay(50);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        if (job!.Status != "done")
        {
            // A failed job ends fast: its time would read as a fast farm.
            throw new InvalidOperationException($"job {id} failed: {job.LastError}");
        }

        foreach (var process in processes)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        return elapsed;
    }

    /// <summary>A CPU worker with one Blender thread, polling fast; it may read and write below <paramref name="allowedRoot"/> (the benchmark's temporary directory).</summary>
    internal static Process StartWorker(string name, string url, string workDirectory, string allowedRoot)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "provision-worker.dll")]) { UseShellExecute = false, RedirectStandardOutput = true };
        start.Environment["PROVISION_WORKER_NAME"] = name;
        start.Environment["PROVISION_QUEUE_URL"] = url;
        start.Environment["PROVISION_WORK_DIR"] = workDirectory;
        start.Environment["PROVISION_ALLOWED_ROOTS"] = allowedRoot;
        start.Environment["PROVISION_RENDER_DEVICE"] = "CPU";
        start.Environment["PROVISION_BLENDER_THREADS"] = "1";
        start.Environment["PROVISION_POLL_SECONDS"] = "0.1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, UseShellExecute = false })!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
    }
}
