using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.Benchmark;

/// <summary>What the benchmarks share: timing, medians, running a process, finding the repository.</summary>
internal static class Bench
{
    public static TimeSpan Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    public static TimeSpan Median(int runs, Func<TimeSpan> measure) => Enumerable.Range(0, runs).Select(_ => measure()).Order().ElementAt(runs / 2);

    public static int Exec(string file, params string[] args) => Exec(file, args, allowFailure: false);

    public static int Exec(string file, string[] args, bool allowFailure) => Capture(file, args, allowFailure).Exit;

    /// <summary>Runs a process to its end; its exit code and what it wrote.</summary>
    public static (int Exit, string Output) Capture(string file, string[] args, bool allowFailure)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        }

        return (process.ExitCode, stderr.Result + stdout.Result);
    }

    /// <summary>The value after <paramref name="name"/> on the command line, or the fallback.</summary>
    public static string Option(string[] args, string name, string fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    public static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Provisioner.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run the benchmark from the repository (Provisioner.sln not found above " + AppContext.BaseDirectory + ")");
    }

    /// <summary>A throwaway redis-server on 127.0.0.1:<paramref name="port"/> (no persistence), given half a second to listen.</summary>
    public static async Task<Process> StartRedisAsync(int port)
    {
        var redis = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        { RedirectStandardOutput = true, UseShellExecute = false })!;
        await Task.Delay(500);
        return redis;
    }

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
