using System.Diagnostics;
using System.Globalization;

namespace Provisioner.Benchmark;

/// <summary>
/// Offline scale: a generated fleet of HOSTS x GPUS (default 1,000 x 8), then `validate`,
/// `plan --offline` and `render`, each as its own `provision` process the way a user runs them,
/// wall time and peak RSS (read by /usr/bin/time, Debian package `time`), median of --runs.
/// With --baseline the same commands of an earlier build take turns with this one, run by run,
/// so both meet the same noise (bench/baseline.sh COMMIT builds one; a path ending in .dll runs
/// under `dotnet`, anything else as a binary).
///   offline [--hosts 1000] [--gpus 8] [--runs 3] [--baseline DLL|BINARY]
/// The work directory is $TMPDIR (default /tmp): TMPDIR=/dev/shm takes the disk out of `render`.
/// PROVISION_BENCH_BINARY=FILE runs that provision instead of this build's `dotnet provision.dll`
/// (the release binary from tools/release.sh).
/// </summary>
internal static class OfflineBenchmark
{
    /// <summary>
    /// The commands, and whether each renders into a fresh directory (the earlier output deleted
    /// first, untimed) or over the previous run's output, which it must delete: 61,401 files
    /// take a second of kernel time to unlink, and a user re-rendering pays it.
    /// </summary>
    private static readonly (string Name, Func<string, string, string[]> Args, bool Fresh)[] Commands =
    [
        ("validate", (inventory, _) => ["validate", inventory], true),
        ("plan --offline", (inventory, _) => ["plan", inventory, "--offline"], true),
        ("render", (inventory, output) => ["render", inventory, "-o", output], true),
        ("render again", (inventory, output) => ["render", inventory, "-o", output], false),
    ];

    public static int Run(string[] args, string build)
    {
        var hosts = int.Parse(Bench.Option(args, "--hosts", "1000"), CultureInfo.InvariantCulture);
        var gpus = int.Parse(Bench.Option(args, "--gpus", "8"), CultureInfo.InvariantCulture);
        var runs = int.Parse(Bench.Option(args, "--runs", "3"), CultureInfo.InvariantCulture);
        var baseline = Bench.Option(args, "--baseline", "");
        if (!File.Exists("/usr/bin/time"))
        {
            Console.Error.WriteLine("the benchmark reads peak memory through /usr/bin/time: apt-get install time");
            return 1;
        }

        if (baseline.Length > 0 && !File.Exists(baseline))
        {
            Console.Error.WriteLine($"--baseline {baseline}: no such file (bench/baseline.sh prints the path of one)");
            return 1;
        }

        var work = Path.Combine(Path.GetTempPath(), "provision-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        var inventory = Path.Combine(work, "fleet.yaml");
        File.WriteAllText(inventory, FleetGenerator.Generate(hosts, gpus));
        string[] now = Environment.GetEnvironmentVariable("PROVISION_BENCH_BINARY") is { Length: > 0 } binary ? [binary] : ["dotnet", build];
        string[] before = baseline.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", baseline] : [baseline];
        Console.WriteLine($"inventory: {hosts} hosts x {gpus} GPUs ({new FileInfo(inventory).Length / 1024} KiB) in {work}; median of {runs} run(s), {Environment.ProcessorCount} cores");
        Console.WriteLine($"now:    {string.Join(' ', now)}");
        if (baseline.Length > 0)
        {
            Console.WriteLine($"before: {string.Join(' ', before)}");
        }

        Console.WriteLine(baseline.Length > 0
            ? $"{"command",-16}{"before",10}{"peak",10}{"now",10}{"peak",10}"
            : $"{"command",-16}{"now",10}{"peak",10}");
        var failed = false;
        foreach (var (name, commandArgs, fresh) in Commands)
        {
            var mine = new List<(TimeSpan Wall, long PeakKiB)>();
            var theirs = new List<(TimeSpan Wall, long PeakKiB)>();
            for (var run = 0; run < runs; run++)
            {
                if (baseline.Length > 0)
                {
                    theirs.Add(Measure(before, commandArgs(inventory, Output(work, "out-before", fresh)), work, ref failed));
                }

                mine.Add(Measure(now, commandArgs(inventory, Output(work, "out", fresh)), work, ref failed));
            }

            Console.WriteLine(baseline.Length > 0 ? $"{name,-16}{Summary(theirs)}{Summary(mine)}" : $"{name,-16}{Summary(mine)}");
        }

        Console.WriteLine($"{"rendered files",-16}{Directory.EnumerateFiles(Path.Combine(work, "out"), "*", SearchOption.AllDirectories).Count(),10}");
        Directory.Delete(work, recursive: true);
        return failed ? 1 : 0;
    }

    private static string Output(string work, string name, bool fresh)
    {
        var output = Path.Combine(work, name);
        if (fresh && Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        return output;
    }

    /// <summary>Median wall time and the largest peak of the runs.</summary>
    private static string Summary(List<(TimeSpan Wall, long PeakKiB)> runs) => string.Create(CultureInfo.InvariantCulture,
        $"{runs.Select(r => r.Wall.TotalSeconds).Order().ElementAt(runs.Count / 2),8:F2} s{runs.Max(r => r.PeakKiB) / 1024,6} MiB");

    private static (TimeSpan Wall, long PeakKiB) Measure(string[] program, string[] command, string work, ref bool failed)
    {
        var times = Path.Combine(work, "time.txt");
        var clock = Stopwatch.StartNew();
        var (exit, output) = Bench.Capture("/usr/bin/time", ["-f", "PEAK_KIB=%M", "-o", times, .. program, .. command], allowFailure: true);
        var wall = clock.Elapsed;
        if (exit != 0)
        {
            Console.Error.WriteLine($"{string.Join(' ', program)} {command[0]} exited {exit}:");
            Console.Error.Write(output);
            failed = true;
        }

        var peak = File.ReadLines(times).Select(l => l.StartsWith("PEAK_KIB=", StringComparison.Ordinal) ? long.Parse(l[9..], CultureInfo.InvariantCulture) : 0).Max();
        return (wall, peak);
    }
}
