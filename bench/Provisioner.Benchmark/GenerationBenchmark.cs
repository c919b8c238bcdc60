using System.Diagnostics;
using System.Globalization;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using StackExchange.Redis;

namespace Provisioner.Benchmark;

/// <summary>
/// Seed 002's dataset generation by hand beside the farm, on the same run: `run_parallel.sh N
/// ITEMS` starts N Blender processes at once, process i making ITEMS/N items from its own seed
/// into batch_i; the farm runs the same script (tests/farm/generate_items.py) as one generation
/// job of N tasks on N provision-worker processes that were already polling (as a farm's are).
/// Each Blender runs with one thread (-t 1), as each worker would have a GPU of its own. Rounds
/// alternate by hand and farm so the machine's noise falls on both; the figures are medians.
///   dotnet run -c Release --project bench/Provisioner.Benchmark -- generate [--items 40] [--processes 2] [--rounds 3]
/// </summary>
internal static class GenerationBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var items = int.Parse(Bench.Option(args, "--items", "40"), CultureInfo.InvariantCulture);
        var processes = int.Parse(Bench.Option(args, "--processes", "2"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Bench.Option(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        if (items % processes != 0)
        {
            Console.Error.WriteLine($"--items {items} must divide evenly over --processes {processes} (seed 002 gives each process the same share)");
            return 2;
        }

        var work = Path.Combine(Path.GetTempPath(), "provision-generate-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var script = Path.Combine(work, "generate_items.py");
        Directory.CreateDirectory(work);
        File.Copy(Path.Combine(Bench.FindRepo(), "tests", "farm", "generate_items.py"), script);
        var perProcess = items / processes;
        Console.WriteLine($"{items} items of tests/farm/generate_items.py in {processes} processes of {perProcess}; {Environment.ProcessorCount} CPU cores; Blender -t 1 each; {rounds} rounds");

        var port = Bench.FreePort();
        using var redis = await Bench.StartRedisAsync(port);
        var url = $"redis://127.0.0.1:{port}/0";
        var workers = Enumerable.Range(1, processes).Select(i => FarmBenchmark.StartWorker($"gen-w{i}", url, Path.Combine(work, "work", $"gen-w{i}"), work)).ToList();
        try
        {
            using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
            var queue = new FarmQueue(connection.GetDatabase(), TimeProvider.System);
            var reader = new FarmReader(connection.GetDatabase(), queue);
            await Task.Delay(4000); // the workers up, their Blender probed, polling
            var byHand = new List<double>();
            var farm = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                byHand.Add(await ByHandAsync(script, Path.Combine(work, $"hand-{round}"), processes, perProcess));
                farm.Add(await FarmAsync(queue, reader, script, Path.Combine(work, $"farm-{round}"), $"gen-{round}", items, perProcess));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: by hand {byHand[^1]:F2} s, farm {farm[^1]:F2} s"));
            }

            var hand = Median(byHand) / items;
            var farmed = Median(farm) / items;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per item (median of {rounds}): by hand {hand * 1000:F0} ms, farm {farmed * 1000:F0} ms -> the farm takes {100 * farmed / hand:F0}% of the by-hand time"));
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Kill(entireProcessTree: true);
                worker.WaitForExit();
            }

            redis.Kill();
            Directory.Delete(work, recursive: true);
        }

        return 0;
    }

    /// <summary>run_parallel.sh: N Blender processes at once, process i from seed i × share into batch_i.</summary>
    private static async Task<double> ByHandAsync(string script, string output, int processes, int perProcess)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, processes).Select(async i =>
        {
            var start = new ProcessStartInfo("blender", [
                "--factory-startup", "-b", "-t", "1", "--python-exit-code", "1", "--python", script, "--",
                "--seed", (i * perProcess).ToString(CultureInfo.InvariantCulture), "--count", perProcess.ToString(CultureInfo.InvariantCulture),
                "--output", Path.Combine(output, $"batch_{i:00}")])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            // Read as the shell script's `> batch_i.log 2>&1` would keep it.
            var log = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, $"batch_{i:00}.log"), await log + await errors);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"blender exited {process.ExitCode}: {await errors}");
            }
        }));
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> FarmAsync(FarmQueue queue, FarmReader reader, string script, string output, string id, int items, int perTask)
    {
        var generation = new GenerationSpec { Script = script, Count = items, PerTask = perTask, Expect = [new ExpectedOutput("rgb_*.png")] };
        var clock = Stopwatch.StartNew();
        await queue.SubmitAsync(new JobSpec { Id = id, Generate = generation, Frames = generation.Items, Output = output, Device = "CPU" },
            FrameList.Parse(generation.Items).Chunk(perTask), CancellationToken.None);
        JobStatus? job;
        while ((job = await reader.JobAsync(id, CancellationToken.None))?.Status is not ("done" or "failed"))
        {
            await Task.Delay(50);
        }

        return job!.Status == "done" ? clock.Elapsed.TotalSeconds : throw new InvalidOperationException($"job {id} failed: {job.LastError}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
