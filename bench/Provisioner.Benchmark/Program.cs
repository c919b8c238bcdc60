using System.Diagnostics;
using System.Globalization;
using Provisioner.Benchmark;
using Provisioner.Cli;

// provision's speed benchmark (issue: 1,000 hosts x 8 GPUs, validate + offline plan + render).
//   dotnet run -c Release --project bench/Provisioner.Benchmark -- [hosts] [gpus] [generate-only-path]
// Prints one line per stage with wall time, then the process's peak working set. Each stage is
// the real command, in-process, writing to real files; the first stage pays JIT start-up, as a
// user's first command does.
var hosts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var gpus = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var work = Path.Combine(Path.GetTempPath(), "provision-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
Directory.CreateDirectory(work);
var inventory = Path.Combine(work, "fleet.yaml");
File.WriteAllText(inventory, FleetGenerator.Generate(hosts, gpus));
if (args.Length > 2)
{
    File.Copy(inventory, args[2], overwrite: true);
    Console.WriteLine($"wrote {args[2]} ({hosts} hosts x {gpus} GPUs)");
    return 0;
}

Console.WriteLine($"inventory: {hosts} hosts x {gpus} GPUs, {new FileInfo(inventory).Length / 1024} KiB");
var total = Stopwatch.StartNew();
var failed = false;
foreach (var (name, command) in new (string, string[])[]
         {
             ("validate", ["validate", inventory]),
             ("plan --offline", ["plan", inventory, "--offline"]),
             ("render", ["render", inventory, "-o", Path.Combine(work, "out")]),
         })
{
    using var stdout = new StreamWriter(Path.Combine(work, name.Replace(' ', '_') + ".out"));
    var stage = Stopwatch.StartNew();
    var code = await ProvisionCli.RunAsync(command, stdout, Console.Error, CancellationToken.None);
    Console.WriteLine($"{name,-16}{stage.Elapsed.TotalSeconds,8:F2} s  exit {code}");
    failed |= code != 0;
}

Console.WriteLine($"{"total",-16}{total.Elapsed.TotalSeconds,8:F2} s");
Console.WriteLine($"{"peak memory",-16}{Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024),8} MiB");
Console.WriteLine($"{"rendered files",-16}{Directory.EnumerateFiles(Path.Combine(work, "out"), "*", SearchOption.AllDirectories).Count(),8}");
Directory.Delete(work, recursive: true);
return failed ? 1 : 0;
