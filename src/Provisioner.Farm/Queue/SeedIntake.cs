using System.Text.Json;
using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using StackExchange.Redis;

namespace Provisioner.Farm.Queue;

/// <summary>
/// Keeps the seed's clients working: they LPUSH a JSON job onto <c>queue:blender</c> and read
/// <c>job:{id}</c>. A worker moves each such job to its own intake list (so a crash cannot lose
/// it), submits it as a farm job split into tasks, then drops it from the intake list. A job that
/// cannot be read is not silently lost: with an id it gets <c>status failed</c> and the reason;
/// without one it is kept on <c>farm:rejected</c>.
/// </summary>
public sealed class SeedIntake(IDatabase redis, FarmQueue queue, IReadOnlyList<string> allowedRoots)
{
    public const string Rejected = "farm:rejected";

    /// <summary>How often, farm-wide, the keyspace is scanned for stranded queues.</summary>
    public static readonly TimeSpan StrandedScanEvery = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Moves the tasks of lists no worker reads onto their jobs' queues: farm:queue:7 (a numeric
    /// priority an older build accepted) or farm:queue:normal (a build before pools), so no job
    /// stays stranded; and indexes the leases of tasks an older build took, so the reaper sees
    /// them. The scan walks the keyspace, so it runs once per <paramref name="every"/> farm-wide,
    /// whoever asks. Returns how many tasks moved or were indexed.
    /// </summary>
    public async Task<int> RequeueStrandedAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        if (!await queue.Run(() => redis.StringSetAsync(FarmKeys.StrandedScan, "1", every, When.NotExists), cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var moved = await queue.IndexOldLeasesAsync(cancellationToken).ConfigureAwait(false);
        var cursor = "0";
        do
        {
            var reply = (RedisResult[])(await queue.Run(() => redis.ExecuteAsync("SCAN", [cursor, "MATCH", FarmKeys.QueuePrefix + "*", "COUNT", 1000], CommandFlags.DemandMaster), cancellationToken).ConfigureAwait(false))!;
            cursor = reply[0].ToString();
            foreach (var key in ((RedisResult[])reply[1]!).Select(k => k.ToString()).Where(k => !IsQueue(k)))
            {
                for (int step; (step = await queue.AdoptAsync(key, cancellationToken).ConfigureAwait(false)) > 0;)
                {
                    moved += step;
                }
            }
        }
        while (cursor != "0" && !cancellationToken.IsCancellationRequested);

        return moved;
    }

    /// <summary>A queue workers read: farm:queue:PRIORITY:POOL.</summary>
    private static bool IsQueue(string key)
    {
        var parts = key[FarmKeys.QueuePrefix.Length..].Split(':');
        return parts.Length == 2 && parts[0] is ("high" or "normal" or "low") && JobValidation.IsValidId(parts[1]);
    }

    /// <summary>Takes in every seed job waiting (plus any this worker had half taken in before a crash). Returns how many were submitted.</summary>
    public async Task<int> TakeInAsync(string worker, CancellationToken cancellationToken)
    {
        await RequeueStrandedAsync(StrandedScanEvery, cancellationToken).ConfigureAwait(false);
        var intake = FarmKeys.WorkerIntake(worker);
        var submitted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var json = await queue.Run(() => redis.ListGetByIndexAsync(intake, 0), cancellationToken).ConfigureAwait(false);
            if (json.IsNull)
            {
                json = await queue.Run(() => redis.ListMoveAsync(FarmKeys.SeedQueue, intake, ListSide.Right, ListSide.Left), cancellationToken).ConfigureAwait(false);
                if (json.IsNull)
                {
                    break;
                }
            }

            if (await SubmitAsync(json.ToString(), cancellationToken).ConfigureAwait(false))
            {
                submitted++;
            }

            await queue.Run(() => redis.ListRemoveAsync(intake, json, 1), cancellationToken).ConfigureAwait(false);
        }

        return submitted;
    }

    private async Task<bool> SubmitAsync(string json, CancellationToken cancellationToken)
    {
        var spec = JobSpec.TryParse(json, out var error);
        if (spec is not null && JobValidation.OutsideRoots(spec, allowedRoots) is { } outside)
        {
            (spec, error) = (null, outside);
        }

        if (spec is null)
        {
            await RejectAsync(json, error, cancellationToken).ConfigureAwait(false);
            return false;
        }

        var chunks = FrameList.Parse(spec.Frames).Chunk(ChunkSizing.DefaultChunk);
        if (!await queue.SubmitAsync(spec, chunks, cancellationToken).ConfigureAwait(false))
        {
            // Same id twice: the first one stands; say so where the client looks.
            await queue.Run(() => redis.HashSetAsync(FarmKeys.Job(spec.Id), "last_error", "a second job with this id was pushed to queue:blender and ignored"), cancellationToken).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private async Task RejectAsync(string json, string error, CancellationToken cancellationToken)
    {
        string? id = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var idElement)
                && idElement.ValueKind == JsonValueKind.String)
            {
                id = idElement.GetString();
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: no id to report under.
        }

        if (id is not null && JobValidation.IsValidId(id))
        {
            await queue.Run(async () =>
            {
                await redis.HashSetAsync(FarmKeys.Job(id), [new("status", "failed"), new("error", "rejected: " + error), new("spec", json)]).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await queue.Run(() => redis.ListRightPushAsync(Rejected, JsonSerializer.Serialize(new { error, job = json })), cancellationToken).ConfigureAwait(false);
        }
    }
}
