using System.Diagnostics;
using System.Globalization;
using Provisioner.IntegrationTests.Support;
using StackExchange.Redis;

namespace Provisioner.IntegrationTests.FarmEndToEnd;

/// <summary>
/// The farm's queue as a studio runs it: redis-server with a password (requirepass), its
/// append-only file on, listening on the test bridge's address only, where the VMs reach it.
/// </summary>
public sealed class QueueServer : IDisposable
{
    private readonly Process process;

    private QueueServer(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<QueueServer> StartAsync(string directory, string address, string password)
    {
        Directory.CreateDirectory(directory);
        var port = LocalPort.Free();
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", address, "--dir", directory, "--requirepass", password,
                     "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new QueueServer(process, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = await ConnectionMultiplexer.ConnectAsync($"{address}:{port},password={password},abortConnect=true,connectTimeout=500");
                await probe.GetDatabase().PingAsync();
                return server;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisServerException)
            {
                await Task.Delay(100);
            }
        }

        server.Dispose();
        throw new InvalidOperationException($"redis-server did not start on {address}:{port}");
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }
}
