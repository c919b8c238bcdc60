using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Provisioner.Service;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>The service on a free loopback port, as `provision farm serve` builds it, with its request log kept.</summary>
internal sealed class FarmServiceHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly StringWriter log = new();

    private FarmServiceHost(FarmHarness farm, string? token, TimeSpan? silentAfter)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/";
        var options = new FarmServiceOptions(new IPEndPoint(IPAddress.Loopback, port), token);
        app = FarmService.Build(silentAfter is { } silent ? options with { SilentAfter = silent } : options, farm.Database, farm.Queue, TimeProvider.System, TextWriter.Synchronized(log));
        Http = new HttpClient { BaseAddress = new Uri(Url) };
    }

    public string Url { get; }

    public HttpClient Http { get; }

    public string Log => log.ToString();

    /// <summary>Starts the service; <paramref name="silentAfter"/> shortens how long a worker stays silent before it shows lost.</summary>
    public static async Task<FarmServiceHost> StartAsync(FarmHarness farm, string? token, TimeSpan? silentAfter = null)
    {
        var service = new FarmServiceHost(farm, token, silentAfter);
        await service.app.StartAsync();
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>A JSON POST, with the bearer token when given.</summary>
    public static HttpRequestMessage Json(string path, object body, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}
