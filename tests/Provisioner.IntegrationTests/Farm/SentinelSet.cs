using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// A Sentinel-managed Redis on 127.0.0.1, all real processes: a primary, two replicas
/// (redis-server --replicaof) and three sentinels (redis-server CONF --sentinel, what Debian's
/// redis-sentinel runs) with a quorum of two, tuned to notice a dead primary within a second.
/// </summary>
public sealed class SentinelSet : IAsyncDisposable
{
    public const string Service = "farm";

    private readonly List<Process> sentinels = [];
    private readonly string directory = Path.Combine(Path.GetTempPath(), "provision-sentinel-" + Guid.NewGuid().ToString("N")[..10]);

    private SentinelSet(IReadOnlyList<RedisServer> servers) => Servers = servers;

    /// <summary>The data servers, the first one the primary at start.</summary>
    public IReadOnlyList<RedisServer> Servers { get; }

    public List<int> SentinelPorts { get; } = [];

    /// <summary>The queue URL a farm uses for this set.</summary>
    public string Url => "redis-sentinel://" + string.Join(",", SentinelPorts.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture))) + "/" + Service;

    public static async Task<SentinelSet> StartAsync()
    {
        var primary = await RedisServer.StartAsync();
        var servers = new List<RedisServer> { primary };
        var set = new SentinelSet(servers);
        try
        {
            for (var i = 0; i < 2; i++)
            {
                servers.Add(await RedisServer.StartAsync(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]));
            }

            await WaitAsync(async () => (await InfoAsync(primary.Port, "replication")).Contains("connected_slaves:2", StringComparison.Ordinal), "both replicas are in sync");
            Directory.CreateDirectory(set.directory);
            for (var i = 0; i < 3; i++)
            {
                set.StartSentinel(primary.Port);
            }

            // Ready when every sentinel knows both replicas and the two other sentinels.
            foreach (var port in set.SentinelPorts)
            {
                await WaitAsync(async () =>
                {
                    var master = await SentinelAsync(port, "MASTER", Service);
                    return master.TryGetValue("num-slaves", out var slaves) && slaves == "2" && master.TryGetValue("num-other-sentinels", out var others) && others == "2";
                }, $"sentinel {port} sees two replicas and two other sentinels");
            }
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }

        return set;
    }

    /// <summary>The port of the server the sentinels name as primary now.</summary>
    public async Task<int> PrimaryPortAsync()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(SentinelOptions(SentinelPorts[0]));
        var address = (RedisResult[])(await connection.GetServer("127.0.0.1", SentinelPorts[0]).ExecuteAsync("SENTINEL", "GET-MASTER-ADDR-BY-NAME", Service))!;
        return int.Parse((string)address[1]!, CultureInfo.InvariantCulture);
    }

    private void StartSentinel(int primaryPort)
    {
        var port = Support.LocalPort.Free();
        var config = Path.Combine(directory, $"sentinel-{port}.conf");
        // Sentinel rewrites its file as it learns the set: it must be its own and writable.
        File.WriteAllText(config, string.Join('\n',
            $"port {port}",
            "bind 127.0.0.1",
            "daemonize no",
            $"dir {directory}",
            $"sentinel monitor {Service} 127.0.0.1 {primaryPort} 2",
            $"sentinel down-after-milliseconds {Service} 1000",
            $"sentinel failover-timeout {Service} 10000",
            $"sentinel parallel-syncs {Service} 1",
            ""));
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(config);
        start.ArgumentList.Add("--sentinel");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        sentinels.Add(process);
        SentinelPorts.Add(port);
    }

    private static ConfigurationOptions SentinelOptions(int port)
    {
        var options = new ConfigurationOptions { CommandMap = CommandMap.Sentinel, AbortOnConnectFail = false, ConnectTimeout = 1000, TieBreaker = "", AllowAdmin = true };
        options.EndPoints.Add("127.0.0.1", port);
        return options;
    }

    private static async Task<Dictionary<string, string>> SentinelAsync(int port, params object[] args)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(SentinelOptions(port));
        var pairs = (RedisResult[])(await connection.GetServer("127.0.0.1", port).ExecuteAsync("SENTINEL", args))!;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            result[(string)pairs[i]!] = (string)pairs[i + 1]!;
        }

        return result;
    }

    private static Task<string> InfoAsync(int port, string section) => RedisServer.InfoAsync(port, section);

    private static Task WaitAsync(Func<Task<bool>> condition, string what) =>
        RedisServer.UntilAsync(condition, TimeSpan.FromSeconds(30), $"the Sentinel set did not come up: timed out waiting until {what}");

    public async ValueTask DisposeAsync()
    {
        foreach (var sentinel in sentinels)
        {
            if (!sentinel.HasExited)
            {
                sentinel.Kill();
                await sentinel.WaitForExitAsync();
            }

            sentinel.Dispose();
        }

        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }

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
