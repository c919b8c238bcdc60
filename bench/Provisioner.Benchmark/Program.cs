using System.Diagnostics;
using System.Globalization;
using Provisioner.Benchmark;

// provision's speed benchmark: a generated fleet of HOSTS hosts x GPUS GPUs (default 1,000 x 8),
// then `validate`, `plan --offline` and `render` each run as its own `provision` process, the way
// a user runs them. Prints wall time and peak RSS per command (read by /usr/bin/time, Debian
// package `time`), then the total.
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- [hosts] [gpus]
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- 1000 8 fleet.yaml   (only write the inventory)
// The work directory is $TMPDIR (default /tmp): TMPDIR=/dev/shm takes the disk out of `render`.
// PROVISION_BENCH_BINARY=FILE runs that provision instead of `dotnet provision.dll` (the release
// binary from tools/release.sh, to compare with the build).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- lab [--hosts 20,50,100] [--runs 3] [--baseline DLL]
// applies to N fresh lab hosts instead, for each N (WIPES the lab; see LabBenchmark), beside an
// earlier build (bench/baseline.sh COMMIT builds it).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- farm [frames] [chunk]
// measures the render farm (see FarmBenchmark).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- qemu
// a bring-up of the real-kernel host, step by step (see QemuBenchmark).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- queue [--workers 10,100,1000] [--baseline DLL]
// the queue at farm scale, side by side with an earlier build (see QueueBenchmark, bench/queue-baseline.sh).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- startup RELEASE_BINARY [runs]
// start-up of whole processes, this build (JIT) beside the release binary (see StartupBenchmark).
if (args.Length > 1 && args[0] == "startup")
{
    return StartupBenchmark.Run(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 11);
}

if (args.Length > 0 && args[0] == "queue")
{
    return await QueueBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "qemu")
{
    return QemuBenchmark.Run(Path.Combine(AppContext.BaseDirectory, "provision.dll"));
}

if (args.Length > 0 && args[0] == "farm")
{
    return await FarmBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10);
}

if (args.Length > 0 && args[0] == "lab")
{
    return LabBenchmark.Run(args[1..], Path.Combine(AppContext.BaseDirectory, "provision.dll"));
}

var hosts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var gpus = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var inventoryText = FleetGenerator.Generate(hosts, gpus);
if (args.Length > 2)
{
    File.WriteAllText(args[2], inventoryText);
    Console.WriteLine($"wrote {args[2]} ({hosts} hosts x {gpus} GPUs)");
    return 0;
}

if (!File.Exists("/usr/bin/time"))
{
    Console.Error.WriteLine("the benchmark reads peak memory through /usr/bin/time: apt-get install time");
    return 1;
}

var work = Path.Combine(Path.GetTempPath(), "provision-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
Directory.CreateDirectory(work);
var inventory = Path.Combine(work, "fleet.yaml");
File.WriteAllText(inventory, inventoryText);
var provision = Path.Combine(AppContext.BaseDirectory, "provision.dll");
var shown = Environment.GetEnvironmentVariable("PROVISION_BENCH_BINARY") is { Length: > 0 } binary ? binary : "dotnet " + provision;
Console.WriteLine($"inventory: {hosts} hosts x {gpus} GPUs ({new FileInfo(inventory).Length / 1024} KiB) in {work}; provision: {shown}");

var total = TimeSpan.Zero;
var peak = 0L;
var failed = false;
foreach (var (name, command) in new (string, string[])[]
         {
             ("validate", ["validate", inventory]),
             ("plan --offline", ["plan", inventory, "--offline"]),
             ("render", ["render", inventory, "-o", Path.Combine(work, "out")]),
         })
{
    var (wall, peakKiB, exit) = Measure(provision, command, Path.Combine(work, "stdout.txt"));
    total += wall;
    peak = Math.Max(peak, peakKiB);
    failed |= exit != 0;
    Console.WriteLine($"{name,-16}{wall.TotalSeconds,7:F2} s {peakKiB / 1024,7} MiB peak  exit {exit}");
}

Console.WriteLine($"{"total",-16}{total.TotalSeconds,7:F2} s {peak / 1024,7} MiB peak of any command");
Console.WriteLine($"{"rendered files",-16}{Directory.EnumerateFiles(Path.Combine(work, "out"), "*", SearchOption.AllDirectories).Count(),7}");
Directory.Delete(work, recursive: true);
return failed ? 1 : 0;

static (TimeSpan Wall, long PeakKiB, int Exit) Measure(string provision, string[] command, string stdout)
{
    var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
    string[] program = Environment.GetEnvironmentVariable("PROVISION_BENCH_BINARY") is { Length: > 0 } binary ? [binary] : ["dotnet", provision];
    foreach (var argument in (string[])["-f", "PEAK_KIB=%M", "-o", stdout + ".time", .. program, .. command])
    {
        start.ArgumentList.Add(argument);
    }

    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var errors = process.StandardError.ReadToEndAsync();
    process.WaitForExit();
    var wall = clock.Elapsed;
    File.WriteAllText(stdout, output.Result);
    if (process.ExitCode != 0)
    {
        Console.Error.Write(errors.Result);
    }

    var peak = File.ReadLines(stdout + ".time").Select(l => l.StartsWith("PEAK_KIB=", StringComparison.Ordinal) ? long.Parse(l[9..], CultureInfo.InvariantCulture) : 0).Max();
    return (wall, peak, process.ExitCode);
}
