using System.Globalization;
using Polly;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Telemetry;
using StackExchange.Redis;

namespace Provisioner.Farm.Queue;

/// <summary>
/// The farm's queue on Redis. A job is split into tasks of a few frames; a worker takes a task by
/// moving it atomically from a queue (by priority, then pools in turn) to its own task list under
/// a lease whose deadline its heartbeat pushes back; when a worker dies its deadline passes and
/// <see cref="ReapAsync"/> puts the task back. So a task is never lost, and a frame is recorded
/// once however often it was rendered. Under Sentinel (<paramref name="replicas"/> &gt; 0) the
/// writes a failover must not undo wait for a replica. See docs/farm.md for the keys, the life of
/// a task and what a failover can lose.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "it is the farm's queue (in Redis), the word users and docs use")]
public sealed class FarmQueue
{
    private readonly IDatabase redis;
    private readonly TimeProvider clock;
    private readonly ResiliencePipeline retry;
    private readonly int replicas;

    public FarmQueue(IDatabase redis, TimeProvider clock, TimeSpan? patience = null, int replicas = 0)
    {
        this.redis = redis;
        this.clock = clock;
        this.replicas = replicas;
        retry = RedisRetry.Create(patience ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>How long one WAIT for a replica may take, and how many rounds a write that must survive gets.</summary>
    private static readonly TimeSpan ReplicaWait = TimeSpan.FromSeconds(1);
    private const int DurableRounds = 5;

    private string Now => clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Stores the job and queues its tasks (one per chunk, in frame order), all in one transaction;
    /// false when a job with that id exists already.
    /// </summary>
    public async Task<bool> SubmitAsync(JobSpec spec, IReadOnlyList<FrameList> chunks, CancellationToken cancellationToken)
    {
        var problem = JobValidation.Problem(spec);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(spec));
        }

        var frames = chunks.Sum(c => c.Count);
        for (var round = 1; ; round++)
        {
            var submitted = await SubmitOnceAsync(spec, chunks, frames, cancellationToken).ConfigureAwait(false);
            if (await ReplicatedAsync(cancellationToken).ConfigureAwait(false) || round == DurableRounds)
            {
                return submitted;
            }

            // Not confirmed by a replica: after a failover the job may be gone. Ours if it is there with our spec.
            var stored = await Run(() => redis.HashGetAsync(FarmKeys.Job(spec.Id), "spec"), cancellationToken).ConfigureAwait(false);
            if (stored.HasValue)
            {
                return submitted || stored == spec.ToJson();
            }
        }
    }

    private async Task<bool> SubmitOnceAsync(JobSpec spec, IReadOnlyList<FrameList> chunks, int frames, CancellationToken cancellationToken) =>
        await Run(async () =>
        {
            var transaction = redis.CreateTransaction();
            transaction.AddCondition(Condition.KeyNotExists(FarmKeys.Job(spec.Id)));
            var now = Now;
            _ = transaction.HashSetAsync(FarmKeys.Job(spec.Id),
            [
                new("status", "queued"), new("spec", spec.ToJson()), new("progress", 0),
                new("src", spec.Src ?? ""), new("frames", spec.Frames), new("output", spec.Output),
                new("priority", FarmKeys.Name(spec.Priority)), new("pool", spec.Pool), new("max_attempts", spec.MaxAttempts),
                new("frames_total", frames), new("frames_done", 0), new("frames_failed", 0),
                new("tasks_total", chunks.Count), new("tasks_done", 0), new("submitted_ms", now),
                new("error", ""), new("last_error", ""),
            ]);
            var taskIds = new RedisValue[chunks.Count];
            for (var i = 0; i < chunks.Count; i++)
            {
                var taskId = spec.Id + ":" + (i + 1).ToString("D4", CultureInfo.InvariantCulture);
                taskIds[i] = taskId;
                _ = transaction.HashSetAsync(FarmKeys.Task(taskId),
                [
                    new("job", spec.Id), new("frames", chunks[i].ToString()), new("count", chunks[i].Count),
                    new("attempts", 0), new("state", "queued"), new("worker", ""), new("last_error", ""),
                ]);
            }

            _ = transaction.ListRightPushAsync(FarmKeys.JobTasks(spec.Id), taskIds);
            _ = transaction.ListRightPushAsync(FarmKeys.Queue(spec.Priority, spec.Pool), taskIds);
            // A new pool takes its turn at once (turn 0 sorts first); one that has tasks keeps its place.
            _ = transaction.SortedSetAddAsync(FarmKeys.Pools(spec.Priority), spec.Pool, 0, SortedSetWhen.NotExists);
            _ = transaction.SortedSetAddAsync(FarmKeys.Jobs, spec.Id, clock.GetUtcNow().ToUnixTimeMilliseconds());
            return await transaction.ExecuteAsync().ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Takes the next task (high before normal before low) under a lease, or null when every queue is empty.</summary>
    public async Task<TaskLease?> TakeAsync(string worker, TimeSpan lease, CancellationToken cancellationToken)
    {
        var result = await Script(FarmScripts.Take, cancellationToken, worker, Now, Ms(lease)).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var values = (RedisResult[])result!;
        var taskId = (string)values[0]!;
        var spec = JobSpec.TryParse((string)values[4]!, out var error)
                   ?? throw new InvalidDataException($"job of task {taskId} is unreadable: {error}");

        // Render only a take a failover cannot undo: confirmed by a replica, or still ours on the
        // primary after a switch (a lost take means the task is queued again for someone else).
        for (var round = 1; !await ReplicatedAsync(cancellationToken).ConfigureAwait(false) && round < DurableRounds; round++)
        {
            // The primary's answer, never a replica's (which may not have the take yet): see ReplicatedAsync.
            var held = await Run(() => redis.ExecuteAsync("LPOS", [FarmKeys.WorkerTasks(worker), taskId], CommandFlags.DemandMaster), cancellationToken).ConfigureAwait(false);
            if (held.IsNull)
            {
                return null;
            }
        }

        return new TaskLease(taskId, spec, FrameList.Parse((string)values[2]!), (int)values[3]);
    }

    /// <summary>Says the worker is alive and renews its task's lease; tells whether to keep going.</summary>
    public Task<LeaseState> HeartbeatAsync(string worker, string? taskId, TimeSpan lease, string gpu, string host, CancellationToken cancellationToken) =>
        HeartbeatAsync(worker, taskId, lease, gpu, host, [], cancellationToken);

    /// <summary>As the other overload, with what the worker reports about itself (its GPU's reading, its rate).</summary>
    public async Task<LeaseState> HeartbeatAsync(string worker, string? taskId, TimeSpan lease, string gpu, string host, IReadOnlyList<WorkerField> fields, CancellationToken cancellationToken)
    {
        var args = new List<RedisValue> { worker, Now, Ms(lease), taskId ?? "", gpu, host };
        foreach (var field in fields)
        {
            if (!WorkerField.Names.Contains(field.Name))
            {
                throw new ArgumentException($"'{field.Name}' is not a field a worker reports", nameof(fields));
            }

            args.Add(field.Name);
            args.Add(field.Value);
        }

        var result = (string)(await Script(FarmScripts.Heartbeat, cancellationToken, [.. args]).ConfigureAwait(false))!;
        return result switch
        {
            "ok" => LeaseState.Ok,
            "idle" => LeaseState.Idle,
            "lost" => LeaseState.Lost,
            _ => LeaseState.Cancelled,
        };
    }

    /// <summary>Records a finished task and its frames; false when the task was no longer this worker's (reaped meanwhile).</summary>
    public Task<bool> CompleteAsync(string worker, TaskLease task, IReadOnlyList<FrameTime> frames, CancellationToken cancellationToken) =>
        CompleteAsync(worker, task, frames, TaskUsage.None, cancellationToken);

    /// <summary>As the other overload, with what the attempt used (counted on the task and its job).</summary>
    public async Task<bool> CompleteAsync(string worker, TaskLease task, IReadOnlyList<FrameTime> frames, TaskUsage usage, CancellationToken cancellationToken)
    {
        var args = new List<RedisValue> { worker, Now, task.TaskId, task.Job.Sha256 ?? "" };
        args.AddRange(UsageArgs(usage));
        foreach (var frame in frames)
        {
            args.Add(frame.Frame);
            args.Add((long)frame.Render.TotalMilliseconds);
        }

        // Running Complete again counts nothing twice, so an unconfirmed completion is simply repeated
        // (after a failover it lands on the promoted replica, which may not have had it).
        for (var round = 1; ; round++)
        {
            var result = (RedisResult[])(await Script(FarmScripts.Complete, cancellationToken, [.. args]).ConfigureAwait(false))!;
            if ((string)result[0]! != "done")
            {
                return false;
            }

            if (await ReplicatedAsync(cancellationToken).ConfigureAwait(false) || round == DurableRounds)
            {
                return true;
            }
        }
    }

    /// <summary>A failed attempt with its error (Blender's own words): the task is requeued or, out of attempts, fails the job.</summary>
    public Task<FailOutcome> FailAsync(string worker, TaskLease task, string error, CancellationToken cancellationToken) =>
        FailAsync(worker, task, error, TaskUsage.None, cancellationToken);

    /// <summary>As the other overload, with what the attempt used (failed renders cost GPU time too).</summary>
    public async Task<FailOutcome> FailAsync(string worker, TaskLease task, string error, TaskUsage usage, CancellationToken cancellationToken)
    {
        var result = (string)(await Script(FarmScripts.Fail, cancellationToken, [worker, Now, task.TaskId, Truncate(error), .. UsageArgs(usage)]).ConfigureAwait(false))!;
        await ReplicatedAsync(cancellationToken).ConfigureAwait(false);
        return Outcome(result);
    }

    /// <summary>Gives a task back without counting the attempt (worker stopping, or job cancelled).</summary>
    public Task<FailOutcome> ReleaseAsync(string worker, TaskLease task, CancellationToken cancellationToken) =>
        ReleaseAsync(worker, task, TaskUsage.None, cancellationToken);

    /// <summary>As the other overload, with what the attempt used until it was given back.</summary>
    public async Task<FailOutcome> ReleaseAsync(string worker, TaskLease task, TaskUsage usage, CancellationToken cancellationToken)
    {
        var result = (string)(await Script(FarmScripts.Release, cancellationToken, [worker, task.TaskId, .. UsageArgs(usage)]).ConfigureAwait(false))!;
        await ReplicatedAsync(cancellationToken).ConfigureAwait(false);
        return Outcome(result);
    }

    /// <summary>Requeues every task whose lease expired (its worker died or hung), up to 1000 per call. Any client may run it.</summary>
    public async Task<int> ReapAsync(CancellationToken cancellationToken) =>
        (int)await Script(FarmScripts.Reap, cancellationToken, Now, "", 0, 1000).ConfigureAwait(false);

    /// <summary>
    /// The workers' periodic reap: only the first caller per <paramref name="every"/> farm-wide acts
    /// (under a lock), so a thousand workers cost one reap per period. Null when another had its turn.
    /// </summary>
    public async Task<int?> ReapInTurnAsync(string worker, TimeSpan every, CancellationToken cancellationToken)
    {
        var reaped = (int)await Script(FarmScripts.Reap, cancellationToken, Now, worker, Ms(every), 1000).ConfigureAwait(false);
        return reaped < 0 ? null : reaped;
    }

    /// <summary>Indexes the leases of tasks taken by a build before the lease index (see <see cref="FarmScripts.IndexOldLeases"/>); returns how many.</summary>
    internal async Task<int> IndexOldLeasesAsync(CancellationToken cancellationToken) =>
        (int)await Script(FarmScripts.IndexOldLeases, cancellationToken).ConfigureAwait(false);

    /// <summary>Moves the tasks of a list no worker reads onto their jobs' queues (at most 1000 per call); returns how many.</summary>
    internal async Task<int> AdoptAsync(string key, CancellationToken cancellationToken) =>
        (int)await Script(FarmScripts.Adopt, cancellationToken, key).ConfigureAwait(false);

    /// <summary>Cancels a job: returns "cancelled", "unknown", or the status it already had (done, failed, cancelled).</summary>
    public async Task<string> CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var result = (string)(await Script(FarmScripts.Cancel, cancellationToken, jobId, Now).ConfigureAwait(false))!;
        await ReplicatedAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Runs a failed or cancelled job again (unfinished tasks get fresh attempts): "retried" and how many tasks were queued, else the job's status (or "unknown") and 0.</summary>
    public async Task<(string Status, int Requeued)> RetryAsync(string jobId, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await Script(FarmScripts.Retry, cancellationToken, jobId).ConfigureAwait(false))!;
        await ReplicatedAsync(cancellationToken).ConfigureAwait(false);
        return ((string)result[0]!, (int)result[1]);
    }

    /// <summary>Moves a queued or running job to another priority: "changed" and how many queued tasks moved, "unchanged", the status of a finished job, or "unknown".</summary>
    public async Task<(string Status, int Moved)> ReprioritizeAsync(string jobId, Priority priority, CancellationToken cancellationToken)
    {
        var stored = await Run(() => redis.HashGetAsync(FarmKeys.Job(jobId), "spec"), cancellationToken).ConfigureAwait(false);
        if (stored.IsNull)
        {
            return ("unknown", 0);
        }

        // The spec keeps the priority too (a requeued task and `farm status` read it there); an
        // unreadable one is left as it is and only the queue moves.
        var spec = JobSpec.TryParse(stored.ToString(), out _);
        var json = spec is null ? stored.ToString() : (spec with { Priority = priority }).ToJson();
        var result = (RedisResult[])(await Script(FarmScripts.Reprioritize, cancellationToken, jobId, FarmKeys.Name(priority), json).ConfigureAwait(false))!;
        await ReplicatedAsync(cancellationToken).ConfigureAwait(false);
        return ((string)result[0]!, (int)result[1]);
    }

    /// <summary>Drains (<paramref name="drain"/> true) or undrains a worker: "draining", "undrained" or "unknown".</summary>
    public async Task<string> DrainAsync(string worker, bool drain, CancellationToken cancellationToken)
    {
        var result = (string)(await Script(FarmScripts.Drain, cancellationToken, worker, drain ? "1" : "").ConfigureAwait(false))!;
        await ReplicatedAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Forgets a worker silent for longer than <see cref="WorkerStatus.SilentAfter"/>: "forgotten", "alive", "holding" (a task) or "unknown".</summary>
    public async Task<string> ForgetAsync(string worker, CancellationToken cancellationToken)
    {
        var result = (string)(await Script(FarmScripts.Forget, cancellationToken, worker, Now, Ms(WorkerStatus.SilentAfter)).ConfigureAwait(false))!;
        await ReplicatedAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// True once this connection's writes so far reached <c>replicas</c> replicas (WAIT), or at
    /// once when none is asked for. False when a replica did not confirm in time or the primary went
    /// away meanwhile: the caller then checks what the (new) primary holds.
    /// </summary>
    private async Task<bool> ReplicatedAsync(CancellationToken cancellationToken)
    {
        if (replicas == 0)
        {
            return true;
        }

        try
        {
            // WAIT names no key, so the client would send it to any server it knows, and after a
            // failover it knows replicas too: a replica answers "ERR WAIT cannot be used with
            // replica instances", which once turned a task taken on the new primary into "queue
            // unreachable", and the task sat held, unrenewed, until its lease expired.
            var acknowledged = await redis.ExecuteAsync("WAIT", [replicas, (long)ReplicaWait.TotalMilliseconds], CommandFlags.DemandMaster).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)acknowledged >= replicas;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException
                                  || (e is RedisServerException && (e.Message.Contains("replica", StringComparison.OrdinalIgnoreCase) || e.Message.StartsWith("READONLY", StringComparison.Ordinal))))
        {
            // Not confirmed (the primary went away, or what answered is no longer it): the caller
            // checks what the primary holds.
            return false;
        }
    }

    /// <summary>Measured seconds per frame of a scene (by content hash), or null when none was rendered yet.</summary>
    public async Task<double?> SecondsPerFrameAsync(string sha256, CancellationToken cancellationToken)
    {
        var values = await Run(() => redis.HashGetAsync(FarmKeys.Scene(sha256), ["ms", "frames"]), cancellationToken).ConfigureAwait(false);
        return values[0].TryParse(out long ms) && values[1].TryParse(out long count) && count > 0 ? ms / 1000.0 / count : null;
    }

    internal async Task<T> Run<T>(Func<Task<T>> operation, CancellationToken cancellationToken) =>
        await retry.ExecuteAsync(async token => await operation().WaitAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private Task<RedisResult> Script(string script, CancellationToken cancellationToken, params RedisValue[] args) =>
        Run(() => redis.ScriptEvaluateAsync(script, keys: null, values: args), cancellationToken);

    private static FailOutcome Outcome(string result) => result switch
    {
        "requeued" => FailOutcome.Requeued,
        "job-failed" => FailOutcome.JobFailed,
        "dropped" => FailOutcome.Dropped,
        _ => FailOutcome.Lost,
    };

    /// <summary>The four arguments every finishing script takes for FarmScripts' account().</summary>
    private static RedisValue[] UsageArgs(TaskUsage usage) =>
        [(long)usage.Held.TotalMilliseconds, usage.CostMicros, GpuWarningNames.Format(usage.Flags), Truncate(usage.Warning)];

    private static string Ms(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Errors are shown in status tables: keep them to a screenful.</summary>
    private static string Truncate(string error) => error.Length <= 2000 ? error : error[..2000] + "…";
}
