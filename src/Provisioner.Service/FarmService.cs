using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using Provisioner.Farm.Queue;
using StackExchange.Redis;

namespace Provisioner.Service;

/// <summary>
/// Builds the farm service: Kestrel on the one address given, the access rules, the endpoints,
/// and problem details for every error (a failure inside is a 500 with no stack trace; a queue
/// that does not answer is a 503). Each request is logged as one line: method, path, status and
/// time, never a header or a body, so no token or secret reaches the log.
/// </summary>
public static class FarmService
{
    public static WebApplication Build(FarmServiceOptions options, IDatabase redis, FarmQueue queue, TimeProvider time, TextWriter log)
    {
        // Production always: its error pages never show a stack trace, whatever ASPNETCORE_ENVIRONMENT says.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Listen);
            kestrel.Limits.MaxRequestBodySize = FarmServiceOptions.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        // Requests and answers alike, as every --json output of the CLI (JsonOutput): snake_case, enums as words.
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.PropertyNameCaseInsensitive = true;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        // The OpenAPI document at /api/v1/openapi.json; docs/openapi.json is the same bytes (a test fails on drift).
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new() { Title = "Provisioner farm", Version = "v1", Description = "The render farm's HTTP API: `provision farm serve` (docs/farm.md)." };
            document.Servers = []; // the address the client used is not part of the API
            return Task.CompletedTask;
        }));
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Errors no endpoint answered itself get words too, never an exception's text.
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status400BadRequest => "the request's body could not be read: see docs/openapi.json for what each endpoint takes",
                StatusCodes.Status413PayloadTooLarge => $"the body is larger than the {FarmServiceOptions.MaxBodyBytes / 1024} KiB a job may be",
                StatusCodes.Status503ServiceUnavailable => "the queue does not answer; the service goes on and asks again on the next request",
                StatusCodes.Status404NotFound => "no such endpoint: the dashboard is at /, the API under /api/v1 (jobs, workers, farm), the seed's at /submit and /status/ID",
                StatusCodes.Status405MethodNotAllowed => "this endpoint does not take that method",
                StatusCodes.Status500InternalServerError => "the service failed on this request; its log has the request line",
                _ => null,
            };
        });
        var app = builder.Build();

        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusOf });
        app.UseStatusCodePages();
        var access = new ServiceAccess(options.Token);
        app.Use(async (context, next) =>
        {
            var started = time.GetTimestamp();
            var refusal = access.Refusal(context);
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(context).ConfigureAwait(false);
            }
            else
            {
                await next(context).ConfigureAwait(false);
            }

            // The path percent-encoded: a request cannot write a control character into the log.
            await log.WriteLineAsync($"{context.Request.Method} {context.Request.Path.ToUriComponent()} {context.Response.StatusCode} {time.GetElapsedTime(started).TotalMilliseconds:F0} ms").ConfigureAwait(false);
        });

        var reader = new FarmReader(redis, queue);
        FarmEndpoints.Map(app, queue, reader, time, options.SilentAfter);
        DashboardAssets.Map(app);
        app.MapOpenApi("/api/v1/openapi.json");
        // Each service its own registry: nothing of the process (or of another service in it) mixes in.
        var registry = Prometheus.Metrics.NewCustomRegistry();
        FarmMetrics.Register(registry, reader, time, options.SilentAfter);
        app.MapMetrics("/metrics", registry);
        return app;
    }

    /// <summary>What an exception that escaped an endpoint means to the client.</summary>
    private static int StatusOf(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode, // a body over the limit (413), a malformed request (400)
        RedisException or TimeoutException => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
