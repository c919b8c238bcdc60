using System.Diagnostics;
using System.Globalization;

namespace Provisioner.Benchmark;

/// <summary>
/// Start-up as a user meets it: whole `provision` processes, the framework-dependent build run
/// with `dotnet provision.dll` (JIT: what a checkout gives) beside the release binary
/// (tools/release.sh: self-contained, single file, ReadyToRun), taking turns, median and slowest
/// of N runs each. With --baseline DLL, an earlier build (bench/baseline.sh COMMIT) takes its
/// turn too, as the first column: what a checkout gave before.
///   dotnet run -c Release --project bench/Provisioner.Benchmark -- startup RELEASE_BINARY [runs=11] [--baseline DLL]
/// </summary>
internal static class StartupBenchmark
{
    public static int Run(string release, int runs, string baseline)
    {
        if (baseline.Length > 0 && !File.Exists(baseline))
        {
            Console.Error.WriteLine($"--baseline {baseline}: no such file (bench/baseline.sh prints the path of one)");
            return 1;
        }

        if (!File.Exists(release))
        {
            Console.Error.WriteLine($"{release}: no such file (tools/release.sh OUTDIR makes OUTDIR/provision-VERSION-linux-x64)");
            return 1;
        }

        var example = Path.Combine(Bench.FindRepo(), "inventories", "example.yaml");
        var build = Path.Combine(AppContext.BaseDirectory, "provision.dll");
        Console.WriteLine($"start-up: median (slowest) of {runs} runs each, {Environment.ProcessorCount} cores; build = dotnet {build}, release = {release}"
            + (baseline.Length > 0 ? $", before = dotnet {baseline}" : ""));
        Console.WriteLine((baseline.Length > 0 ? $"{"command",-34} {"before (JIT)",16}" : $"{"command",-34}") + $" {"build (JIT)",16} {"release (R2R)",16}");
        foreach (var command in new[] { new[] { "--version" }, ["validate", example], ["plan", example, "--offline"] })
        {
            var before = new List<double>();
            var jit = new List<double>();
            var r2r = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                if (baseline.Length > 0)
                {
                    before.Add(Seconds("dotnet", [baseline, .. command]));
                }

                jit.Add(Seconds("dotnet", [build, .. command]));
                r2r.Add(Seconds(release, command));
            }

            var name = string.Join(' ', command.Select(a => a == example ? "example.yaml" : a));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34}{(baseline.Length > 0 ? " " + Summary(before).PadLeft(16) : "")} {Summary(jit),16} {Summary(r2r),16}"));
        }

        return 0;
    }

    private static string Summary(List<double> seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{seconds.Order().ElementAt(seconds.Count / 2):F3} s ({seconds.Max():F2})");

    private static double Seconds(string file, string[] args)
    {
        var clock = Stopwatch.StartNew();
        if (Bench.Exec(file, args, allowFailure: true) != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed");
        }

        return clock.Elapsed.TotalSeconds;
    }
}
