using System.Diagnostics;
using StackExchange.Redis;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// A real redis-server on 127.0.0.1 and a free port, its data (append-only file, fsync always) in
/// a temp directory, so a test can stop it and start it again on the same data mid-job.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string directory;
    private readonly IReadOnlyList<string> extra;
    private Process? process;

    private RedisServer(string directory, int port, IReadOnlyList<string> extra)
    {
        this.directory = directory;
        this.extra = extra;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}/0";

    /// <summary>Starts one; <paramref name="extra"/> are more redis-server arguments (a replica's --replicaof HOST PORT).</summary>
    public static async Task<RedisServer> StartAsync(IReadOnlyList<string>? extra = null)
    {
        Provisioner.Tests.Support.ExternalTool.Require("redis-server");
        var directory = Path.Combine(Path.GetTempPath(), "provision-redis-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        var server = new RedisServer(directory, Support.LocalPort.Free(), extra ?? []);
        try
        {
            await server.StartAgainAsync();
        }
        catch
        {
            await server.DisposeAsync(); // never leave a redis-server behind a failed start
            throw;
        }

        return server;
    }

    /// <summary>Starts redis-server (again) on the same port and data directory and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "yes",
                 }.Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},abortConnect=true,connectTimeout=500");
                // A read answers only once the append-only file is loaded (before that: LOADING).
                await probe.GetDatabase().StringGetAsync("probe");
                return;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisServerException)
            {
                // Not listening, or still loading.
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new InvalidOperationException($"redis-server did not start on port {Port}");
    }

    /// <summary>Stops the server the way a crash or a maintenance restart would (SIGKILL: nothing flushed beyond what AOF fsync already wrote).</summary>
    public async Task KillAsync()
    {
        process!.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>Waits until this server, a replica, has loaded its primary's data (its link is up).</summary>
    public Task SyncedAsync() =>
        UntilAsync(async () => (await InfoAsync(Port, "replication")).Contains("master_link_status:up", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), $"the replica on port {Port} did not sync with its primary in 10 s");

    /// <summary>INFO SECTION of the server on that port, through a short-lived admin connection.</summary>
    internal static async Task<string> InfoAsync(int port, string section)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=false,connectTimeout=1000,allowAdmin=true");
        return (string)(await connection.GetServer("127.0.0.1", port).ExecuteAsync("INFO", section))!;
    }

    /// <summary>Polls the condition every 200 ms (a server not up yet counts as no) until it holds; throws <paramref name="timedOut"/> when the time is up.</summary>
    internal static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string timedOut)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is RedisConnectionException or RedisServerException)
            {
                // Not up yet.
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException(timedOut);
    }

    public ConnectionMultiplexer Connect() => ConnectionMultiplexer.Connect($"127.0.0.1:{Port},abortConnect=false");

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            await KillAsync();
        }

        process?.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
