using System.Globalization;
using Provisioner.Benchmark;

// provision's speed benchmark. With no mode: offline scale, a generated fleet of HOSTS x GPUS
// (default 1,000 x 8), `validate`, `plan --offline` and `render` each as its own process, wall
// time and peak RSS, beside an earlier build with --baseline (see OfflineBenchmark).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- [offline] [--hosts 1000] [--gpus 8] [--runs 3] [--baseline DLL|BINARY]
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
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- generate [--items 40] [--processes 2] [--rounds 3]
// seed 002's dataset generation by hand (N parallel Blender processes) beside the farm (see GenerationBenchmark).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- service [--clients 50] [--submits 10] [--seconds 60]
// farm serve under 50 dashboard clients and 10 submits/s: latency, errors, memory (see ServiceBenchmark).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- qemu
// a bring-up of the real-kernel host, step by step (see QemuBenchmark).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- queue [--workers 10,100,1000] [--baseline DLL]
// the queue at farm scale, side by side with an earlier build (see QueueBenchmark, bench/queue-baseline.sh).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- startup RELEASE_BINARY [runs] [--baseline DLL]
// start-up of whole processes, this build (JIT) beside the release binary and an earlier build (see StartupBenchmark).
if (args.Length > 1 && args[0] == "startup")
{
    var runs = args.Length > 2 && !args[2].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[2], CultureInfo.InvariantCulture) : 11;
    return StartupBenchmark.Run(args[1], runs, Bench.Option(args, "--baseline", ""));
}

if (args.Length > 0 && args[0] == "queue")
{
    return await QueueBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "service")
{
    return await ServiceBenchmark.RunAsync(args[1..], Path.Combine(AppContext.BaseDirectory, "provision.dll"));
}

if (args.Length > 0 && args[0] == "qemu")
{
    return QemuBenchmark.Run(Path.Combine(AppContext.BaseDirectory, "provision.dll"));
}

if (args.Length > 0 && args[0] == "farm")
{
    return await FarmBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10);
}

if (args.Length > 0 && args[0] == "generate")
{
    return await GenerationBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "lab")
{
    return LabBenchmark.Run(args[1..], Path.Combine(AppContext.BaseDirectory, "provision.dll"));
}

// The default: offline scale (see OfflineBenchmark). The positional form HOSTS [GPUS] still
// works; HOSTS GPUS FILE only writes the inventory.
if (args.Length > 2 && !args[0].StartsWith("--", StringComparison.Ordinal) && args[0] != "offline")
{
    File.WriteAllText(args[2], FleetGenerator.Generate(int.Parse(args[0], CultureInfo.InvariantCulture), int.Parse(args[1], CultureInfo.InvariantCulture)));
    Console.WriteLine($"wrote {args[2]} ({args[0]} hosts x {args[1]} GPUs)");
    return 0;
}

string[] offline = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) && args[0] != "offline"
    ? ["--hosts", args[0], .. args.Length > 1 ? (string[])["--gpus", args[1]] : []]
    : [.. args.SkipWhile(a => a == "offline")];
return OfflineBenchmark.Run(offline, Path.Combine(AppContext.BaseDirectory, "provision.dll"));
