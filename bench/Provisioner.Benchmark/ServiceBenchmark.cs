using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Provisioner.Benchmark;

/// <summary>
/// `provision farm serve` under load, as its own process on 127.0.0.1 over a throwaway
/// redis-server: C dashboard clients (default 50), each polling what the overview page reads
/// (/api/v1/farm and /api/v1/jobs?limit=50) every 2 s as the page does, while a submitter posts
/// S jobs per second (default 10) for the given seconds. Reports p50/p99/max latency of each kind
/// of request, errors, whether every submitted job is in the queue afterwards, and the service's
/// resident memory (VmRSS) at each quarter of the run, so growth shows.
///   dotnet run -c Release --project bench/Provisioner.Benchmark -- service [--clients 50] [--submits 10] [--seconds 60]
/// </summary>
internal static class ServiceBenchmark
{
    /// <summary>What the dashboard's overview reads at each poll.</summary>
    private static readonly string[] OverviewReads = ["api/v1/farm", "api/v1/jobs?limit=50"];

    public static async Task<int> RunAsync(string[] args, string provisionDll)
    {
        var clients = int.Parse(Bench.Option(args, "--clients", "50"), CultureInfo.InvariantCulture);
        var submitsPerSecond = int.Parse(Bench.Option(args, "--submits", "10"), CultureInfo.InvariantCulture);
        var seconds = int.Parse(Bench.Option(args, "--seconds", "60"), CultureInfo.InvariantCulture);
        var redisPort = Bench.FreePort();
        using var redis = await Bench.StartRedisAsync(redisPort);
        var port = Bench.FreePort();
        using var service = Process.Start(new ProcessStartInfo("dotnet", [provisionDll, "farm", "serve", "--queue", $"redis://127.0.0.1:{redisPort}/0", "--listen", $"127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        service.ErrorDataReceived += (_, _) => { }; // its request log: one line per request
        service.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            if (!await WaitForAsync(http))
            {
                Console.Error.WriteLine("the service did not answer within 30 s");
                return 1;
            }

            Console.WriteLine($"service benchmark: {clients} dashboard clients polling every 2 s, {submitsPerSecond} submits/s, {seconds} s; {Environment.ProcessorCount} cores; the service is its own process (load generator on the same machine)");
            var reads = new List<double>();
            var submits = new List<double>();
            var errors = 0;
            var submitted = 0;
            var rss = new List<long>();
            var clock = Stopwatch.StartNew();
            var end = TimeSpan.FromSeconds(seconds);
            var pollers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
            {
                // Spread over the 2 s period, as 50 browsers opened at different times are.
                await Task.Delay(TimeSpan.FromMilliseconds(2000.0 * i / clients));
                while (clock.Elapsed < end)
                {
                    var started = clock.Elapsed;
                    foreach (var path in OverviewReads)
                    {
                        var one = Stopwatch.StartNew();
                        using var response = await http.GetAsync(path);
                        _ = await response.Content.ReadAsByteArrayAsync();
                        lock (reads)
                        {
                            reads.Add(one.Elapsed.TotalMilliseconds);
                            errors += response.IsSuccessStatusCode ? 0 : 1;
                        }
                    }

                    var wait = TimeSpan.FromSeconds(2) - (clock.Elapsed - started);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }
                }
            })).ToList();
            var submitter = Task.Run(async () =>
            {
                for (var n = 0; clock.Elapsed < end; n++)
                {
                    var due = TimeSpan.FromSeconds((double)n / submitsPerSecond);
                    if (due > clock.Elapsed)
                    {
                        await Task.Delay(due - clock.Elapsed);
                    }

                    var one = Stopwatch.StartNew();
                    using var response = await http.PostAsync("api/v1/jobs", new StringContent(
                        $"{{\"id\": \"load-{n:D6}\", \"src\": \"/srv/scenes/load.blend\", \"frames\": \"1-24\", \"output\": \"/srv/out/load-{n:D6}/\"}}", Encoding.UTF8, "application/json"));
                    lock (submits)
                    {
                        submits.Add(one.Elapsed.TotalMilliseconds);
                        submitted += response.IsSuccessStatusCode ? 1 : 0;
                        errors += response.IsSuccessStatusCode ? 0 : 1;
                    }
                }
            });
            var sampler = Task.Run(async () =>
            {
                for (var quarter = 1; quarter <= 4; quarter++)
                {
                    await Task.Delay(end / 4);
                    rss.Add(Rss(service.Id));
                }
            });
            await Task.WhenAll([.. pollers, submitter, sampler]);

            // Nothing lost: every job the service said it took is in the queue.
            using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}");
            var stored = await connection.GetDatabase().SortedSetLengthAsync(Provisioner.Farm.Queue.FarmKeys.Jobs);
            Console.WriteLine($"{"request",-22} {"count",7} {"p50 ms",8} {"p99 ms",8} {"max ms",8}");
            Row("dashboard read", reads);
            Row("submit (POST)", submits);
            Console.WriteLine($"errors: {errors}; jobs submitted {submitted}, in the queue afterwards {stored}");
            Console.WriteLine("service RSS at each quarter: " + string.Join(" → ", rss.Select(r => $"{r / 1024.0:F0} MiB")));
            return errors == 0 && stored == submitted ? 0 : 1;
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            redis.Kill();
        }
    }

    private static async Task<bool> WaitForAsync(HttpClient http)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var response = await http.GetAsync("api/v1/farm");
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static void Row(string name, List<double> samples)
    {
        var sorted = samples.Order().ToArray();
        double At(int percent) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, sorted.Length * percent / 100)];
        Console.WriteLine($"{name,-22} {sorted.Length,7} {At(50),8:F1} {At(99),8:F1} {(sorted.Length == 0 ? 0 : sorted[^1]),8:F1}");
    }

    /// <summary>Resident memory of a process in KiB (VmRSS in /proc/PID/status).</summary>
    private static long Rss(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).FirstOrDefault();
}
