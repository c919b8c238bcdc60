using System.Diagnostics;
using System.Globalization;

namespace Provisioner.Benchmark;

/// <summary>
/// A bring-up on the real-kernel host (tests/qemu-host, docs/lab.md): boots a fresh overlay, then
/// times `ssh true` (the baseline), a live plan of the bare host, the first apply with the moment
/// each of its steps was reported (so update-grub, update-initramfs, the reboot and the VMs each get
/// a figure), `check`, and a no-op apply (median of 3). Everything runs under QEMU's software
/// emulation: the figures say where a bring-up spends its time, not how fast a GPU server is.
/// </summary>
internal static class QemuBenchmark
{
    private const string State = "/var/lib/provision-lab/qemu-host";

    public static int Run(string provision)
    {
        var repo = Bench.FindRepo();
        var scripts = Path.Combine(repo, "tests", "qemu-host");
        var build = Bench.Time(() => Bench.Exec(Path.Combine(scripts, "image.sh"), "build"));
        Console.WriteLine($"{"image (build or cache)",-26}{build.TotalSeconds,8:F1} s");

        var work = Directory.CreateTempSubdirectory("provision-qemu-bench-").FullName;
        var www = Directory.CreateDirectory(Path.Combine(work, "www")).FullName;
        File.WriteAllBytes(Path.Combine(www, "blank.img"), new byte[1 << 20]);
        var (sshPort, httpPort) = (Bench.FreePort(), Bench.FreePort());
        using var http = Process.Start(new ProcessStartInfo("python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", www, httpPort.ToString(CultureInfo.InvariantCulture)])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var inventory = Path.Combine(work, "lab-qemu.yaml");
        File.WriteAllText(inventory, File.ReadAllText(Path.Combine(repo, "inventories", "lab-qemu.yaml"))
            .Replace("    port: 2222\n", $"    port: {sshPort}\n", StringComparison.Ordinal)
            .Replace("http://10.0.2.2:8099/", $"http://10.0.2.2:{httpPort}/", StringComparison.Ordinal));
        var hostDir = Path.Combine(work, "host");
        try
        {
            var boot = Bench.Time(() =>
            {
                Bench.Exec(Path.Combine(scripts, "host.sh"), "start", hostDir, sshPort.ToString(CultureInfo.InvariantCulture));
                while (Ssh(sshPort) != 0)
                {
                    Thread.Sleep(1000);
                }
            });
            Console.WriteLine($"{"boot to SSH",-26}{boot.TotalSeconds,8:F1} s");
            var baseline = Bench.Median(3, () => Bench.Time(() => Ssh(sshPort)));
            Console.WriteLine($"{"ssh true",-26}{baseline.TotalSeconds,8:F2} s  (OpenSSH client; median of 3)");

            var ok = true;
            ok &= Measure("plan (live, bare host)", provision, ["plan", inventory], out _);
            ok &= Measure("apply (bring-up)", provision, ["apply", inventory, "--yes", "--reboot-timeout", "900"], out _, steps: true);
            ok &= Measure("check", provision, ["check", inventory, "--strict"], out _);
            var noop = Bench.Median(3, () =>
            {
                ok &= Measure("apply (no-op)", provision, ["apply", inventory, "--detailed-exitcode"], out var wall);
                return wall;
            });
            Console.WriteLine($"no-op apply / ssh true: {noop / baseline:F2}x");
            return ok ? 0 : 1;
        }
        finally
        {
            Bench.Exec(Path.Combine(scripts, "host.sh"), ["stop", hostDir], allowFailure: true);
            http.Kill();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Runs one provision command; with <paramref name="steps"/>, prints how long after the start each progress line came.</summary>
    private static bool Measure(string name, string provision, string[] command, out TimeSpan wall, bool steps = false)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[provision, .. command])
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        var lines = new List<(TimeSpan At, string Line)>();
        using var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                lock (lines)
                {
                    lines.Add((clock.Elapsed, line));
                }
            }
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        wall = clock.Elapsed;
        Console.WriteLine($"{name,-26}{wall.TotalSeconds,8:F2} s  exit {process.ExitCode}");
        if (steps)
        {
            var previous = TimeSpan.Zero;
            foreach (var (at, line) in lines)
            {
                Console.WriteLine($"    {at.TotalSeconds,7:F1} s  (+{(at - previous).TotalSeconds,5:F1})  {line}");
                previous = at;
            }
        }

        if (process.ExitCode is not (0 or 2))
        {
            Console.WriteLine(stdout);
        }

        return process.ExitCode is 0 or 2;
    }

    private static int Ssh(int port) => Bench.Exec("ssh", ["-i", Path.Combine(State, "admin_ed25519"), "-o", "UserKnownHostsFile=" + Path.Combine(State, "known_hosts"),
        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-p", port.ToString(CultureInfo.InvariantCulture), "root@127.0.0.1", "true"], allowFailure: true);

}
