using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Provisioner.Service;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// `provision farm serve` with real parts: the service on a loopback port in this process, a
/// real redis-server, real curl for the seed's client, and a real worker process with Debian's
/// Blender for the job it takes in.
/// </summary>
[Collection("farm")]
public sealed class FarmServiceTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    private static readonly string[] OutputArgument = ["-o", "/elsewhere/#"];

    private const string Token = "test-token-0123456789abcdef";

    [Fact]
    public async Task TheSeedsCurlExample_Renders_AndStatusAnswersAsItsClientsRead()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, token: null);
        var payload = JsonSerializer.Serialize(new { src = scene.Path, frames = "1-3", samples = 4, device = "CPU", output = farm.Output });

        // The seed's client: curl, JSON body, no token (the service is on loopback).
        var (exit, answer) = await CurlAsync("-s", "-X", "POST", service.Url + "submit", "-H", "Content-Type: application/json", "-d", payload);
        Assert.Equal(0, exit);
        var jobId = JsonDocument.Parse(answer).RootElement.GetProperty("job_id").GetString()!;
        farm.StartWorker("w1");
        var job = await farm.WaitForEndAsync(jobId, TimeSpan.FromMinutes(4));

        Assert.True(job.Status == "done", job.Error + "\n" + farm.Logs());
        Assert.Equal(["frame_0001.png", "frame_0002.png", "frame_0003.png"], farm.OutputFiles());
        Assert.All(farm.OutputFiles(), f => Assert.Null(PngCheck.Problem(Path.Combine(farm.Output, f))));
        var status = await service.Http.GetFromJsonAsync<Dictionary<string, string>>($"status/{jobId}");
        Assert.Equal(("done", "100", "3", "3"), (status!["status"], status["progress"], status["frames_total"], status["frames_done"]));
        var listed = JsonDocument.Parse(await service.Http.GetStringAsync("api/v1/jobs")).RootElement.EnumerateArray().Single();
        Assert.Equal((jobId, "done", 3, "normal"), (listed.GetProperty("spec").GetProperty("id").GetString(), listed.GetProperty("status").GetString(), listed.GetProperty("frames_done").GetInt32(),
            listed.GetProperty("spec").GetProperty("priority").GetString()));
        // The same report `provision farm status --json` prints: one model, the same words.
        var cli = await CliRunner.RunAsync("farm", "status", jobId, "--json", "--queue", farm.Url);
        var fromCli = JsonDocument.Parse(cli.Stdout).RootElement.GetProperty("job");
        var fromApi = JsonDocument.Parse(await service.Http.GetStringAsync($"api/v1/jobs/{jobId}")).RootElement;
        Assert.Equal(
            [.. fromCli.EnumerateObject().Where(p => p.Name != "frames").Select(p => p.Name)],
            fromApi.EnumerateObject().Where(p => p.Name != "frames").Select(p => p.Name));
        foreach (var field in new[] { "status", "frames_total", "frames_done", "tasks_done", "error", "submitted", "finished" })
        {
            Assert.Equal(fromCli.GetProperty(field).ToString(), fromApi.GetProperty(field).ToString());
        }

        Assert.Equal(JsonSerializer.Serialize(fromCli.GetProperty("spec")), JsonSerializer.Serialize(fromApi.GetProperty("spec")));
        var frames = JsonDocument.Parse(await service.Http.GetStringAsync($"api/v1/jobs/{jobId}/frames")).RootElement;
        Assert.Equal([1, 2, 3], frames.EnumerateArray().Select(f => f.GetProperty("frame").GetInt32()));
        var workers = JsonDocument.Parse(await service.Http.GetStringAsync("api/v1/workers")).RootElement;
        Assert.Equal("w1", workers.EnumerateArray().Single().GetProperty("name").GetString());
        Assert.Contains($"POST /submit 200", service.Log, StringComparison.Ordinal);
    }

    /// <summary>docs/openapi.json is what the service serves, byte for byte (PROVISION_UPDATE_GOLDEN=1 rewrites it; review the diff).</summary>
    [Fact]
    public async Task TheOpenApiDocument_IsDocsOpenApiJson_AndNamesEveryEndpoint()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, token: null);
        var served = await service.Http.GetStringAsync("api/v1/openapi.json");

        var paths = JsonDocument.Parse(served).RootElement.GetProperty("paths");
        foreach (var path in new[] { "/submit", "/status/{id}", "/api/v1/jobs", "/api/v1/jobs/{id}/priority", "/api/v1/workers/{name}/drain", "/api/v1/workers/{name}", "/api/v1/farm" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path + " is missing from the OpenAPI document");
        }

        Assert.False(JsonDocument.Parse(served).RootElement.TryGetProperty("servers", out var servers) && servers.GetArrayLength() > 0, "the document names the address it was fetched from");
        Golden.AssertMatches(Repo.Path("docs", "openapi.json"), served);
    }

    [Fact]
    public async Task BadInput_GetsProblemDetailsWithTheReason_NeverA500()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, token: null);

        var cases = new (HttpRequestMessage Request, HttpStatusCode Status, string Detail)[]
        {
            (FarmServiceHost.Json("submit", new { src = "/srv/a.blend", frames = "x-y" }), HttpStatusCode.BadRequest, "frames: 'x-y' is not a frame or a range"),
            (FarmServiceHost.Json("submit", new { frames = "1-3" }), HttpStatusCode.BadRequest, "src: the scene is missing"),
            (FarmServiceHost.Json("submit", new { src = "/srv/shot01.zip", frames = "1-3", blend = "shot01.blend" }), HttpStatusCode.BadRequest, "blend: scenes packed in a .zip are not taken yet"),
            (FarmServiceHost.Json("submit", new { src = "/srv/a.blend", frames = "1-3", device = "GPU0" }), HttpStatusCode.BadRequest, "device"),
            (FarmServiceHost.Json("submit", new { src = "/srv/a.blend", frames = "1-3", extra = OutputArgument }), HttpStatusCode.BadRequest, "extra: -o is set by the worker from the job's output: set that instead"),
            (Raw("submit", "{not json", "application/json"), HttpStatusCode.BadRequest, "the body is not a job"),
            (Raw("submit", "src=/srv/a.blend", "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, "a write must be sent as JSON"),
            (Raw("submit", "{\"src\": \"" + new string('a', 100_000) + "\"}", "application/json"), HttpStatusCode.RequestEntityTooLarge, "larger than the 64 KiB"),
            (new HttpRequestMessage(HttpMethod.Get, "status/no-such-job"), HttpStatusCode.NotFound, "no job 'no-such-job'"),
            (new HttpRequestMessage(HttpMethod.Get, "api/v1/jobs/bad%0aid"), HttpStatusCode.BadRequest, "'bad?id' is not a job id"),
            (new HttpRequestMessage(HttpMethod.Get, "api/v1/jobs?limit=0"), HttpStatusCode.BadRequest, "limit must be from 1 to 1000"),
            (new HttpRequestMessage(HttpMethod.Get, "api/v1/nothing-here"), HttpStatusCode.NotFound, "no such endpoint"),
            (FarmServiceHost.Json("api/v1/jobs/no-such-job/cancel", new { }), HttpStatusCode.NotFound, "no job 'no-such-job'"),
        };
        foreach (var (request, expected, detail) in cases)
        {
            using var response = await service.Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(await farm.Reader.JobsAsync(10, CancellationToken.None));
        Assert.DoesNotContain(" 500 ", service.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAToken_WritesNeedIt_LocalReadsDoNot_AndTheLogNeverShowsIt()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, Token);
        var job = new { id = "tokened", src = "/srv/a.blend", frames = "1-10", output = "/srv/out/a" };

        using var none = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", job));
        using var wrong = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", job, "not-the-token-0123456789"));
        using var right = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs", job, Token));
        using var read = await service.Http.GetAsync("api/v1/jobs/tokened");

        Assert.Equal((HttpStatusCode.Unauthorized, "Bearer"), (none.StatusCode, none.Headers.WwwAuthenticate.ToString()));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        Assert.Equal("/api/v1/jobs/tokened", right.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var created = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("queued", 2, "tokened"), (created.GetProperty("status").GetString(), created.GetProperty("tasks_total").GetInt32(), created.GetProperty("spec").GetProperty("id").GetString()));
        Assert.DoesNotContain(Token, service.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token", service.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAToken_OnlyRequestsNamingThisMachine_AndJsonWrites_AreServed()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, token: null);
        await farm.SubmitAsync("steered", "/srv/a.blend", "1-10", chunk: 5);

        // A page elsewhere whose name was rebound to 127.0.0.1 sends its own name as Host.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/v1/jobs");
        rebound.Headers.Host = "evil.example";
        using var reboundAnswer = await service.Http.SendAsync(rebound);
        // A page elsewhere can POST without a preflight only as a "simple" request: no JSON.
        using var simple = await service.Http.PostAsync("api/v1/jobs/steered/cancel", new StringContent("", Encoding.UTF8, "text/plain"));
        var stillQueued = (await farm.Reader.JobAsync("steered", CancellationToken.None))!.Status;
        using var cancel = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs/steered/cancel", new { }));
        using var retry = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs/steered/retry", new { }));
        using var retryAgain = await service.Http.SendAsync(FarmServiceHost.Json("api/v1/jobs/steered/retry", new { }));

        Assert.Equal(HttpStatusCode.Forbidden, reboundAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, simple.StatusCode);
        Assert.Equal("queued", stillQueued);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("queued", (await farm.Reader.JobAsync("steered", CancellationToken.None))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, retryAgain.StatusCode);
    }

    [Fact]
    public async Task Metrics_ReportTheQueueFromRedis_WithBoundedLabels()
    {
        await using var farm = await FarmHarness.StartAsync();
        await using var service = await FarmServiceHost.StartAsync(farm, Token);
        await farm.SubmitAsync("normal-one", "/srv/a.blend", "1-10", chunk: 5);
        await farm.SubmitAsync("high-one", "/srv/b.blend", "1-3", chunk: 1, priority: Provisioner.Farm.Jobs.Priority.High);
        await farm.Queue.CancelAsync("normal-one", CancellationToken.None);
        await farm.Queue.HeartbeatAsync("w7", null, TimeSpan.FromSeconds(30), "GPU 0", "host-a", CancellationToken.None);

        // Prometheus on this machine scrapes without the token (a read from loopback).
        var text = await service.Http.GetStringAsync("metrics");
        output.WriteLine(text);

        Assert.Contains("farm_queue_up 1", text, StringComparison.Ordinal);
        Assert.Contains("farm_queue_depth{priority=\"high\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("farm_queue_depth{priority=\"normal\"} 2", text, StringComparison.Ordinal); // a cancelled job's tasks wait until a take drops them
        Assert.Contains("farm_jobs{status=\"queued\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("farm_jobs{status=\"cancelled\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("farm_workers{state=\"idle\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("farm_worker_frames{worker=\"w7\"} 0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("normal-one", text, StringComparison.Ordinal); // no job ids as labels
        Assert.DoesNotContain("high-one", text, StringComparison.Ordinal);

        // The queue gone: the page says so instead of showing an empty farm.
        await farm.Redis.KillAsync();
        var down = await service.Http.GetStringAsync("metrics");
        Assert.Contains("farm_queue_up 0", down, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Raw(string path, string body, string contentType) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    private static async Task<(int Exit, string Output)> CurlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        using var curl = Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();
        return (curl.ExitCode, output);
    }
}
