using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.IntegrationTests.Support;

/// <summary>A free TCP port on 127.0.0.1 (nothing listens there the moment it is returned).</summary>
public static class LocalPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A real HTTP server (python3 -m http.server) on 127.0.0.1 serving a directory, up and listening
/// when <see cref="StartAsync"/> returns; it records the GET request lines it logs.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly Process process;
    private readonly List<string> requests = [];

    private LocalHttpServer(Process process, string address, int port)
    {
        this.process = process;
        Address = address;
        Port = port;
    }

    /// <summary>The address it listens on: 127.0.0.1 unless a test's own bridge address was asked for.</summary>
    public string Address { get; }

    public int Port { get; }

    /// <summary>The GET request lines so far.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
        }
    }

    public string Url(string file) => $"http://{Address}:{Port}/{file}";

    public static async Task<LocalHttpServer> StartAsync(string directory, string address = "127.0.0.1")
    {
        var port = LocalPort.Free();
        var process = Process.Start(new ProcessStartInfo("python3", ["-m", "http.server", "--bind", address, "--directory", directory, port.ToString(CultureInfo.InvariantCulture)])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var server = new LocalHttpServer(process, address, port);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Parse(address), port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        server.Dispose();
        throw new TimeoutException($"the HTTP server did not listen on {port}");
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

    private void Record(string? line)
    {
        if (line?.Contains("\"GET ", StringComparison.Ordinal) == true)
        {
            lock (requests)
            {
                requests.Add(line);
            }
        }
    }
}
