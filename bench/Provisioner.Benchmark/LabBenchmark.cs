using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Provisioner.Benchmark;

/// <summary>
/// A live fleet: for each host count N (default 20, 50, 100), N fresh lab hosts (tests/lab; WIPES
/// the lab first). The floor is N parallel `ssh host true` with the OpenSSH client; then this
/// build's first apply (bring-up with the emulated reboot, every host at once), and a live plan and
/// a no-op apply, each as its own `provision` process, taking turns with the --baseline build when
/// one is given (bench/baseline.sh), median of --runs. Every row says its wall time, the CPU
/// time of our processes (provision, or the ssh clients), the CPU time the rest of the machine spent
/// meanwhile (the hosts' sshd and shells: this machine runs nothing else during the benchmark), and
/// the SSH logins and exec sessions each host's sshd logged. Targets: a no-op apply within 1.2x the
/// floor at 20 hosts and growing no faster than the floor; 1 login and at most 2 exec sessions per
/// host. Lab hosts have no libvirt: the commands run with --no-vms (the host bring-up).
///   dotnet run -c Release --project bench/Provisioner.Benchmark -- lab [--hosts 20,50,100] [--runs 3] [--baseline DLL]
/// </summary>
internal static partial class LabBenchmark
{
    private const double Target = 1.2;

    private sealed record Row(TimeSpan Wall, TimeSpan OurCpu, TimeSpan RestCpu, string Logins, string Sessions, bool Ok);

    public static int Run(string[] args, string provision)
    {
        var counts = Bench.Option(args, "--hosts", "20,50,100").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
        var runs = int.Parse(Bench.Option(args, "--runs", "3"), CultureInfo.InvariantCulture);
        var baseline = Bench.Option(args, "--baseline", "");
        if (baseline.Length > 0 && !File.Exists(baseline))
        {
            Console.Error.WriteLine($"--baseline {baseline}: no such file (bench/baseline.sh COMMIT builds one)");
            return 1;
        }

        var repo = Bench.FindRepo();
        var labScript = Path.Combine(repo, "tests", "lab", "lab.sh");
        var labRoot = Environment.GetEnvironmentVariable("LAB_ROOT") ?? "/var/lib/provision-lab";
        Console.WriteLine($"live fleet: lab hosts (sshd in namespaces on this machine), {Environment.ProcessorCount} cores, median of {runs}; now = dotnet {provision}{(baseline.Length > 0 ? ", before = dotnet " + baseline : "")}");
        Console.WriteLine("CPU: ours = the provision process (or the ssh clients); rest = the rest of the machine meanwhile, i.e. the hosts' sshd and shells");
        var summary = new List<(int Count, TimeSpan Floor, TimeSpan Now, TimeSpan? Before)>();
        var ok = true;
        foreach (var count in counts)
        {
            Bench.Exec(labScript, "wipe");
            Bench.Exec(labScript, "base");
            var clock = Stopwatch.StartNew();
            Bench.Exec(labScript, "up", count.ToString(CultureInfo.InvariantCulture), "a5000x4");
            Console.WriteLine();
            Console.WriteLine($"{count} fresh hosts, up in {clock.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"{"",-30}{"wall",9}{"ours CPU",10}{"rest CPU",10}  per host: logins, exec sessions");

            var work = Directory.CreateTempSubdirectory("provision-lab-bench-").FullName;
            var inventory = Path.Combine(work, "lab.yaml");
            File.WriteAllText(inventory, Inventory(count, labRoot));
            var hosts = Enumerable.Range(1, count).Select(i => "h" + i.ToString(CultureInfo.InvariantCulture)).ToList();
            var all = count.ToString(CultureInfo.InvariantCulture);

            var floor = Median(runs, () => Measure(labRoot, hosts, () =>
            {
                Parallel.ForEach(hosts, new ParallelOptions { MaxDegreeOfParallelism = count }, h => Bench.Exec("ssh", [.. SshOptions(labRoot), "root@" + Address(h), "true"]));
                return 0;
            }));
            Print("ssh true (the floor)", floor);

            var bringUp = Run(provision, ["apply", inventory, "--no-vms", "--yes", "--parallel", all, "--max-unavailable", all, "--reboot-timeout", "120"], labRoot, hosts);
            Print("apply, bring-up: now", bringUp);
            ok &= bringUp.Ok;

            string[] plan = ["plan", inventory, "--no-vms", "--parallel", all];
            string[] noop = ["apply", inventory, "--no-vms", "--parallel", all, "--detailed-exitcode"];
            var (planNow, planBefore) = Paired(runs, provision, baseline, plan, labRoot, hosts);
            var (noopNow, noopBefore) = Paired(runs, provision, baseline, noop, labRoot, hosts);
            var noopDefault = Median(runs, () => Run(provision, ["apply", inventory, "--no-vms", "--detailed-exitcode"], labRoot, hosts));
            Print("plan (live): now", planNow);
            Print("apply, no-op: now", noopNow);
            Print("apply, no-op, default --parallel", noopDefault);
            if (planBefore is not null && noopBefore is not null)
            {
                Print("plan (live): before", planBefore);
                Print("apply, no-op: before", noopBefore);
            }

            ok &= planNow.Ok && noopNow.Ok && noopDefault.Ok;
            Console.WriteLine($"no-op apply / floor: now {noopNow.Wall / floor.Wall:F2}x{(noopBefore is null ? "" : $", before {noopBefore.Wall / floor.Wall:F2}x")} (target <= {Target:F1}x at 20 hosts)");
            summary.Add((count, floor.Wall, noopNow.Wall, noopBefore?.Wall));
            Directory.Delete(work, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine($"{"hosts",-8}{"floor",9}{"no-op now",11}{"now/floor",11}{(baseline.Length > 0 ? $"{"no-op before",14}{"before/floor",14}" : "")}");
        foreach (var (count, floor, now, before) in summary)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count,-8}{floor.TotalSeconds,7:F2} s{now.TotalSeconds,9:F2} s{now / floor,10:F2}x{(before is { } b ? $"{b.TotalSeconds,12:F2} s{b / floor,13:F2}x" : "")}"));
        }

        return ok ? 0 : 1;
    }

    /// <summary>Runs the two builds in turn, `runs` times each (the machine's noise hits both alike); the median row of each.</summary>
    private static (Row Now, Row? Before) Paired(int runs, string provision, string baseline, string[] command, string labRoot, List<string> hosts)
    {
        var now = new List<Row>();
        var before = new List<Row>();
        for (var i = 0; i < runs; i++)
        {
            now.Add(Run(provision, command, labRoot, hosts));
            if (baseline.Length > 0)
            {
                before.Add(Run(baseline, command, labRoot, hosts));
            }
        }

        return (MedianOf(now), before.Count > 0 ? MedianOf(before) : null);
    }

    private static Row Median(int runs, Func<Row> measure) => MedianOf([.. Enumerable.Range(0, runs).Select(_ => measure())]);

    private static Row MedianOf(List<Row> rows) => rows.OrderBy(r => r.Wall).ElementAt(rows.Count / 2) with { Ok = rows.All(r => r.Ok) };

    private static Row Run(string provision, string[] command, string labRoot, List<string> hosts) =>
        Measure(labRoot, hosts, () =>
        {
            var (exit, output) = Bench.Capture("dotnet", [provision, .. command], allowFailure: true);
            if (exit is not (0 or 2))
            {
                Console.Error.WriteLine($"provision {string.Join(' ', command)} exited {exit}; the end of what it wrote:\n{output[Math.Max(0, output.Length - 2000)..]}");
            }

            return exit;
        });

    /// <summary>
    /// Times one action that starts processes, with the CPU they used (this process's reaped
    /// children), the CPU the rest of the machine used meanwhile, and each host's new sshd log lines.
    /// Exit 0 or 2 (--detailed-exitcode: changes) is a success.
    /// </summary>
    private static Row Measure(string labRoot, List<string> hosts, Func<int> action)
    {
        var before = hosts.ToDictionary(h => h, h => Counts(labRoot, h));
        var (childrenBefore, selfBefore) = OurCpu();
        var machineBefore = MachineBusy();
        var clock = Stopwatch.StartNew();
        var exit = action();
        var wall = clock.Elapsed;
        var machine = MachineBusy() - machineBefore;
        var (childrenAfter, selfAfter) = OurCpu();
        var ours = childrenAfter - childrenBefore;
        var rest = machine - ours - (selfAfter - selfBefore);
        var deltas = hosts.Select(h => Counts(labRoot, h) is var after ? (after.Logins - before[h].Logins, after.Sessions - before[h].Sessions) : default).ToList();
        return new Row(wall, ours, rest < TimeSpan.Zero ? TimeSpan.Zero : rest,
            string.Join('/', deltas.Select(d => d.Item1).Distinct().Order()),
            string.Join('/', deltas.Select(d => d.Item2).Distinct().Order()),
            exit is 0 or 2);
    }

    private static void Print(string name, Row row) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-30}{row.Wall.TotalSeconds,7:F2} s{row.OurCpu.TotalSeconds,8:F2} s{row.RestCpu.TotalSeconds,8:F2} s  {row.Logins}, {row.Sessions}{(row.Ok ? "" : "  FAILED")}"));

    /// <summary>CPU time of this process's waited-for children, and of this process itself (/proc/self/stat: cutime+cstime, utime+stime).</summary>
    private static (TimeSpan Children, TimeSpan Self) OurCpu()
    {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return (Ticks(Field(16) + Field(17)), Ticks(Field(14) + Field(15)));
    }

    /// <summary>The machine's busy CPU time since boot: every /proc/stat column but idle and iowait.</summary>
    private static TimeSpan MachineBusy()
    {
        var columns = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(c => long.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user and nice).
        return Ticks(columns.Take(8).Sum() - columns[3] - columns[4]);
    }

    // Linux reports both files in USER_HZ, 100 on every architecture .NET runs on.
    private static TimeSpan Ticks(long ticks) => TimeSpan.FromMilliseconds(ticks * 10);

    private static (int Logins, int Sessions) Counts(string labRoot, string host)
    {
        var log = File.ReadAllText(Path.Combine(labRoot, "hosts", host, "supervisor.log"));
        return (LoginPattern().Count(log), SessionPattern().Count(log));
    }

    private static string Inventory(int count, string labRoot)
    {
        var text = new StringBuilder($$"""
            version: 1
            defaults:
              ssh: { user: root, identity_file: {{labRoot}}/keys/admin_ed25519, known_hosts: {{labRoot}}/known_hosts }
              os: auto
              cpu_vendor: intel
              gpu_model:
                functions: [{ function: 0, id: "10de:2231" }, { function: 1, id: "10de:1aef" }]
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }
            hosts:

            """);
        for (var i = 1; i <= count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                  - name: h{i}
                    address: {Address("h" + i.ToString(CultureInfo.InvariantCulture))}
                    memory: 256GiB
                    gpus: [{"{"} address: "65:00.0" {"}"}, {"{"} address: "66:00.0" {"}"}, {"{"} address: "b1:00.0" {"}"}, {"{"} address: "b2:00.0" {"}"}]

                """);
        }

        return text.ToString();
    }

    private static string Address(string host) => "127.0.2." + host[1..];

    private static string[] SshOptions(string labRoot) =>
        ["-i", Path.Combine(labRoot, "keys", "admin_ed25519"), "-o", "UserKnownHostsFile=" + Path.Combine(labRoot, "known_hosts"), "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"];

    [GeneratedRegex("Accepted publickey")]
    private static partial Regex LoginPattern();

    [GeneratedRegex("Starting session: command")]
    private static partial Regex SessionPattern();
}
