using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Provisioner.Benchmark;

/// <summary>
/// apply against N fresh lab hosts (tests/lab; WIPES the lab first): the baseline is N parallel
/// `ssh host true` with the OpenSSH client; then the first apply (bring-up with the emulated
/// reboot, all hosts rebooting at once), a live plan, and a no-op apply, each as its own
/// `provision` process. Counts the SSH logins and exec sessions each host's sshd logged per
/// command. Targets: no-op apply within 1.5x the baseline, 1 login and at most 2 exec sessions per host.
/// Lab hosts have no libvirt: the commands run with --no-vms (the host bring-up).
/// </summary>
internal static partial class LabBenchmark
{
    public static int Run(int count, string provision)
    {
        var repo = Bench.FindRepo();
        var labScript = Path.Combine(repo, "tests", "lab", "lab.sh");
        var labRoot = Environment.GetEnvironmentVariable("LAB_ROOT") ?? "/var/lib/provision-lab";
        Bench.Exec(labScript, "wipe");
        Bench.Exec(labScript, "base");
        var clock = Stopwatch.StartNew();
        Bench.Exec(labScript, "up", count.ToString(CultureInfo.InvariantCulture), "a5000x4");
        Console.WriteLine($"lab: {count} fresh hosts up in {clock.Elapsed.TotalSeconds:F1} s");

        var work = Directory.CreateTempSubdirectory("provision-lab-bench-").FullName;
        var inventory = Path.Combine(work, "lab.yaml");
        File.WriteAllText(inventory, Inventory(count, labRoot));
        var hosts = Enumerable.Range(1, count).Select(i => "h" + i.ToString(CultureInfo.InvariantCulture)).ToList();

        var baseline = Bench.Median(3, () => Bench.Time(() => Parallel.ForEach(hosts, h => Bench.Exec("ssh", [.. SshOptions(labRoot), "root@" + Address(h), "true"]))));
        Console.WriteLine($"{"ssh true x" + count,-22}{baseline.TotalSeconds,7:F2} s  (OpenSSH client, hosts in parallel; median of 3)");

        var ok = true;
        ok &= Measure("apply (bring-up)", provision, ["apply", inventory, "--no-vms", "--yes", "--parallel", $"{count}", "--max-unavailable", $"{count}", "--reboot-timeout", "120"], labRoot, hosts, out _);
        ok &= Measure("plan (live)", provision, ["plan", inventory, "--no-vms", "--parallel", $"{count}"], labRoot, hosts, out _);
        var noop = Bench.Median(3, () =>
        {
            ok &= Measure("apply (no-op)", provision, ["apply", inventory, "--no-vms", "--parallel", $"{count}", "--detailed-exitcode"], labRoot, hosts, out var wall);
            return wall;
        });
        var ratio = noop / baseline;
        Console.WriteLine($"no-op apply / ssh true: {ratio:F2}x (target <= 1.50x) {(ratio <= 1.5 ? "met" : "NOT met")}");
        Directory.Delete(work, recursive: true);
        return ok ? 0 : 1;
    }

    /// <summary>Runs one provision command; prints wall time and per-host logins and exec sessions (from each host's sshd log).</summary>
    private static bool Measure(string name, string provision, string[] command, string labRoot, List<string> hosts, out TimeSpan wall)
    {
        var before = hosts.ToDictionary(h => h, h => Counts(labRoot, h));
        var exit = 0;
        wall = Bench.Time(() => exit = Bench.Exec("dotnet", [provision, .. command], allowFailure: true));
        var deltas = hosts.Select(h => (Counts(labRoot, h).Logins - before[h].Logins, Counts(labRoot, h).Sessions - before[h].Sessions)).ToList();
        var logins = deltas.Select(d => d.Item1).Distinct().Order().ToList();
        var sessions = deltas.Select(d => d.Item2).Distinct().Order().ToList();
        Console.WriteLine($"{name,-22}{wall.TotalSeconds,7:F2} s  exit {exit}; per host: logins {string.Join('/', logins)}, exec sessions {string.Join('/', sessions)}");
        return exit is 0 or 2;
    }

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
