using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using StackExchange.Redis;

namespace Provisioner.Service;

/// <summary>
/// The HTTP endpoints: the seed's <c>POST /submit</c> and <c>GET /status/ID</c>, with its payloads,
/// and the REST API under <c>/api/v1</c>. Each one is a call into src/Provisioner.Farm, the same
/// calls `provision farm` makes, so the two never disagree.
/// </summary>
internal static class FarmEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, FarmQueue queue, FarmReader reader, TimeProvider time, TimeSpan silentAfter)
    {
        // The seed's API: {src, frames, samples, device, output, extra, blend} -> {job_id}.
        routes.MapPost("/submit", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var (job, refusal) = await SubmitAsync(request, queue, reader, time, silentAfter, cancellationToken).ConfigureAwait(false);
            return refusal ?? Results.Ok(new { job_id = job!.Id });
        })
            .WithTags("seed").WithName("SeedSubmit").WithSummary("The seed's submit: {src, frames, samples, device, output, extra, blend} gives {job_id}").ProducesProblem(StatusCodes.Status400BadRequest);

        // The seed's status: the job's hash as its clients read it from Redis (status, progress, error, ...).
        routes.MapGet("/status/{id}", async (string id, CancellationToken cancellationToken) =>
        {
            if (!JobValidation.IsValidId(id))
            {
                return Problems.BadId(id);
            }

            var fields = await reader.SeedStatusAsync(id, cancellationToken).ConfigureAwait(false);
            return fields.Count == 0 ? Problems.NoJob(id) : Results.Ok(fields);
        })
            .WithTags("seed").WithName("SeedStatus").WithSummary("The seed's status: the job's hash as its clients read it").Produces<IReadOnlyDictionary<string, string>>().ProducesProblem(StatusCodes.Status400BadRequest);

        // Tags named here, not left to default to the program's name (testhost under the tests).
        var api = routes.MapGroup("/api/v1").WithTags("api");
        api.MapGet("/jobs", async (int? limit, CancellationToken cancellationToken) =>
        {
            if (limit is < 1 or > FarmServiceOptions.MaxJobs)
            {
                return Problems.Of(StatusCodes.Status400BadRequest, $"limit must be from 1 to {FarmServiceOptions.MaxJobs} (got {limit})");
            }

            var jobs = await reader.JobsAsync(limit ?? 100, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            return Results.Ok(jobs.Select(job => JobReport.Of(job, null, now)));
        })
            .WithName("ListJobs").WithSummary("The newest jobs (limit: 1 to 1000, default 100)").Produces<IEnumerable<JobReport>>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/jobs", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var (job, refusal) = await SubmitAsync(request, queue, reader, time, silentAfter, cancellationToken).ConfigureAwait(false);
            return refusal ?? await JobAnswerAsync(job!.Id, reader, time, created: true, cancellationToken).ConfigureAwait(false);
        })
            .WithName("SubmitJob").WithSummary("Submit a job").Produces<JobReport>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/jobs/{id}", (string id, CancellationToken cancellationToken) => JobAnswerAsync(id, reader, time, created: false, cancellationToken))
            .WithName("GetJob").WithSummary("One job").Produces<JobReport>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/jobs/{id}/tasks", async (string id, CancellationToken cancellationToken) =>
            await KnownJobAsync(id, reader, cancellationToken).ConfigureAwait(false)
            ?? Results.Ok(await reader.TasksAsync(id, cancellationToken).ConfigureAwait(false)))
            .WithName("GetJobTasks").WithSummary("A job's tasks").Produces<IEnumerable<TaskSummary>>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/jobs/{id}/frames", async (string id, CancellationToken cancellationToken) =>
            await KnownJobAsync(id, reader, cancellationToken).ConfigureAwait(false)
            ?? Results.Ok((await reader.FramesAsync(id, cancellationToken).ConfigureAwait(false))
                .Select(JobReport.RenderedFrame.Of)))
            .WithName("GetJobFrames").WithSummary("A job's rendered frames: render time and worker").Produces<IEnumerable<JobReport.RenderedFrame>>().ProducesProblem(StatusCodes.Status400BadRequest);

        // The last rendered frame's image, read from the shared storage as this machine mounts it:
        // FRAME.png or FRAME.jpg, the job's own format (an OpenEXR frame cannot be shown in a browser).
        api.MapGet("/jobs/{id}/frames/{frame:int}.{extension}", async (string id, int frame, string extension, CancellationToken cancellationToken) =>
        {
            if (!JobValidation.IsValidId(id))
            {
                return Problems.BadId(id);
            }

            var job = await reader.JobAsync(id, cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                return Problems.NoJob(id);
            }

            var wanted = FrameFormats.Extension(job.Spec.Format);
            if (!string.Equals("." + extension, wanted, StringComparison.Ordinal))
            {
                return Problems.Of(StatusCodes.Status404NotFound, $"{id} renders {job.Spec.Format ?? FrameFormats.Png} frames: ask for {frame}{wanted}");
            }

            if (FrameFormats.MediaType(job.Spec.Format) is not { } mediaType)
            {
                return Problems.Of(StatusCodes.Status415UnsupportedMediaType, $"{id} renders {job.Spec.Format} frames, which a browser cannot show", "open the frame on the shared storage with an image tool that reads OpenEXR");
            }

            if (!await reader.HasFrameAsync(id, frame, cancellationToken).ConfigureAwait(false))
            {
                return Problems.Of(StatusCodes.Status404NotFound, $"frame {frame} of {id} is not rendered (yet)");
            }

            var pattern = OutputPattern.FromJobOutput(job.Spec.Output);
            var path = Path.Combine(pattern.Directory, pattern.FileName(frame, job.Spec.Format));
            return File.Exists(path)
                ? Results.File(path, mediaType)
                : Problems.Of(StatusCodes.Status404NotFound, $"frame {frame} of {id} is not readable here at {path}", "mount the farm's shared storage on the machine that runs `provision farm serve` at the same path as the workers do");
        })
            .WithName("GetFrameImage").WithSummary("A rendered frame's image, from the shared storage as this machine mounts it").ProducesProblem(StatusCodes.Status400BadRequest);

        // The farm at a glance: what the dashboard's overview and /metrics show.
        api.MapGet("/farm", async (CancellationToken cancellationToken) =>
        {
            var now = time.GetUtcNow();
            var workers = await reader.WorkersAsync(cancellationToken).ConfigureAwait(false);
            var depths = await reader.QueueDepthsAsync(cancellationToken).ConfigureAwait(false);
            return Results.Ok(new FarmSummary(
                WorkerStatus.CountByCondition(workers, now, silentAfter),
                depths,
                workers.Sum(w => w.Frames),
                WorkerStatus.CostPerHour(workers, now, silentAfter),
                now));
        })
            .WithName("GetFarm").WithSummary("Workers per condition, tasks waiting per priority, frames rendered").Produces<FarmSummary>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/jobs/{id}/cancel", async (string id, CancellationToken cancellationToken) =>
        {
            if (!JobValidation.IsValidId(id))
            {
                return Problems.BadId(id);
            }

            return await queue.CancelAsync(id, cancellationToken).ConfigureAwait(false) switch
            {
                "cancelled" => await JobAnswerAsync(id, reader, time, created: false, cancellationToken).ConfigureAwait(false),
                "unknown" => Problems.NoJob(id),
                var status => Problems.Of(StatusCodes.Status409Conflict, $"{id} is {status} already: nothing to cancel"),
            };
        })
            .WithName("CancelJob").WithSummary("Cancel a job (as farm cancel)").Produces<JobReport>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/jobs/{id}/retry", async (string id, CancellationToken cancellationToken) =>
        {
            if (!JobValidation.IsValidId(id))
            {
                return Problems.BadId(id);
            }

            var (status, _) = await queue.RetryAsync(id, cancellationToken).ConfigureAwait(false);
            return status switch
            {
                "unknown" => Problems.NoJob(id),
                "retried" => await JobAnswerAsync(id, reader, time, created: false, cancellationToken).ConfigureAwait(false),
                _ => Problems.Of(StatusCodes.Status409Conflict, $"{id} is {status}: only a failed or cancelled job can be retried"),
            };
        })
            .WithName("RetryJob").WithSummary("Run a failed or cancelled job again (as farm retry)").Produces<JobReport>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/jobs/{id}/priority", async (string id, PriorityRequest? body, CancellationToken cancellationToken) =>
        {
            if (!JobValidation.IsValidId(id))
            {
                return Problems.BadId(id);
            }

            if (body?.Priority is not { } priority)
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "the body names no priority", "send {\"priority\": \"high\"} (high, normal or low)");
            }

            var (outcome, moved) = await queue.ReprioritizeAsync(id, priority, cancellationToken).ConfigureAwait(false);
            return FarmAnswers.Succeeded(outcome)
                ? await JobAnswerAsync(id, reader, time, created: false, cancellationToken).ConfigureAwait(false)
                : Refused(outcome, FarmAnswers.Priority(id, priority, outcome, moved));
        })
            .WithName("SetJobPriority").WithSummary("Move a job to another priority (as farm priority)").Produces<JobReport>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/workers", async (CancellationToken cancellationToken) =>
        {
            var now = time.GetUtcNow();
            return Results.Ok((await reader.WorkersAsync(cancellationToken).ConfigureAwait(false)).Select(w => WorkerReport.Of(w, now, silentAfter)));
        })
            .WithName("ListWorkers").WithSummary("The workers (as farm workers --json)").Produces<IEnumerable<WorkerReport>>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/workers/{name}/drain", (string name, CancellationToken cancellationToken) =>
            SteerAsync(name, reader, time, silentAfter, async () => await queue.DrainAsync(name, true, cancellationToken).ConfigureAwait(false), o => FarmAnswers.Drain(Problems.Shown(name), o), cancellationToken))
            .WithName("DrainWorker").WithSummary("Drain a worker: it finishes its task and takes no other").Produces<WorkerReport>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/workers/{name}/undrain", (string name, CancellationToken cancellationToken) =>
            SteerAsync(name, reader, time, silentAfter, async () => await queue.DrainAsync(name, false, cancellationToken).ConfigureAwait(false), o => FarmAnswers.Drain(Problems.Shown(name), o), cancellationToken))
            .WithName("UndrainWorker").WithSummary("Let a drained worker take tasks again").Produces<WorkerReport>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapDelete("/workers/{name}", async (string name, CancellationToken cancellationToken) =>
        {
            var outcome = await queue.ForgetAsync(name, cancellationToken).ConfigureAwait(false);
            return FarmAnswers.Succeeded(outcome) ? Results.NoContent() : Refused(outcome, FarmAnswers.Forget(Problems.Shown(name), outcome));
        })
            .WithName("ForgetWorker").WithSummary("Forget a worker silent for 90 s that holds no task (as farm forget)").ProducesProblem(StatusCodes.Status400BadRequest);
    }

    /// <summary>Drain or undrain: the worker as it is now, or the problem.</summary>
    private static async Task<IResult> SteerAsync(string name, FarmReader reader, TimeProvider time, TimeSpan silentAfter, Func<Task<string>> act, Func<string, string> words, CancellationToken cancellationToken)
    {
        var outcome = await act().ConfigureAwait(false);
        if (!FarmAnswers.Succeeded(outcome))
        {
            return Refused(outcome, words(outcome));
        }

        var worker = await reader.WorkerAsync(name, cancellationToken).ConfigureAwait(false);
        return Results.Ok(WorkerReport.Of(worker, time.GetUtcNow(), silentAfter));
    }

    /// <summary>A steering operation that did not go through: 404 for nothing by that name, 409 for a refusal, with the CLI's words.</summary>
    private static IResult Refused(string outcome, string message) =>
        Problems.Of(outcome == "unknown" ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict, message);

    /// <summary>GET /api/v1/farm: workers per condition, tasks waiting per priority, frames rendered by the workers listed, what the farm costs per hour, as of <c>At</c>.</summary>
    internal sealed record FarmSummary(IReadOnlyDictionary<WorkerCondition, int> Workers, IReadOnlyDictionary<Priority, long> Queue, long FramesRendered, decimal CostPerHour, DateTimeOffset At);

    /// <summary>The body of POST /api/v1/jobs/ID/priority.</summary>
    internal sealed record PriorityRequest(Priority? Priority);

    /// <summary>Reads a job from the body and submits it; the job, or the problem that refused it.</summary>
    private static async Task<(JobSpec? Job, IResult? Refusal)> SubmitAsync(HttpRequest request, FarmQueue queue, FarmReader reader, TimeProvider time, TimeSpan silentAfter, CancellationToken cancellationToken)
    {
        SubmitRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<SubmitRequest>(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return (null, Problems.Of(StatusCodes.Status400BadRequest, "the body is not a job: " + Problems.Shown(e.Message), "send a JSON object such as {\"src\": \"/srv/scenes/shot.blend\", \"frames\": \"1-240\"}"));
        }
        catch (InvalidOperationException)
        {
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "a job must be sent as JSON", "send the header 'Content-Type: application/json'"));
        }

        if (body is null)
        {
            return (null, Problems.Of(StatusCodes.Status400BadRequest, "the body is JSON null, not a job"));
        }

        // A generation job's tasks are whole rounds over the live workers (only then are they counted).
        var live = body.Generate is null ? 1 : await reader.LiveWorkersAsync(time.GetUtcNow(), TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        var (spec, tasks, error) = body.ToJob(time.GetUtcNow(), live);
        if (spec is null)
        {
            return (null, Problems.Of(StatusCodes.Status400BadRequest, error!));
        }

        // A denoiser or format a live worker's Blender lacks: refused now, not after a GPU hour.
        if (await JobFeasibility.ProblemAsync(spec, reader, time.GetUtcNow(), silentAfter, cancellationToken).ConfigureAwait(false) is { } infeasible)
        {
            return (null, Problems.Of(StatusCodes.Status409Conflict, infeasible, "ask for what every live worker's Blender offers (GET /api/v1/workers shows each one's blender)"));
        }

        if (!await queue.SubmitAsync(spec, tasks, cancellationToken).ConfigureAwait(false))
        {
            return (null, Problems.Of(StatusCodes.Status409Conflict, $"a job '{spec.Id}' exists already", "pick another id, or retry that job"));
        }

        return (spec, null);
    }

    private static async Task<IResult?> KnownJobAsync(string id, FarmReader reader, CancellationToken cancellationToken)
    {
        if (!JobValidation.IsValidId(id))
        {
            return Problems.BadId(id);
        }

        return await reader.JobAsync(id, cancellationToken).ConfigureAwait(false) is null ? Problems.NoJob(id) : null;
    }

    private static async Task<IResult> JobAnswerAsync(string id, FarmReader reader, TimeProvider time, bool created, CancellationToken cancellationToken)
    {
        if (!JobValidation.IsValidId(id))
        {
            return Problems.BadId(id);
        }

        var job = await reader.JobAsync(id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return Problems.NoJob(id);
        }

        var report = JobReport.Of(job, null, time.GetUtcNow());
        return created ? Results.Created($"/api/v1/jobs/{id}", report) : Results.Ok(report);
    }
}
