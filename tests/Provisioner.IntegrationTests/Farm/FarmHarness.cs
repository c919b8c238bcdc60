using Provisioner.Farm.Frames;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Tests.Support;
using StackExchange.Redis;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>One farm for one test: a real Redis, worker processes, an output directory, and the queue's client side.</summary>
public sealed class FarmHarness : IAsyncDisposable
{
    private readonly List<WorkerProcess> workers = [];
    private readonly RedisServer? redis;
    private readonly ConnectionMultiplexer connection;

    private FarmHarness(RedisServer? redis, string url, ConnectionMultiplexer connection, int replicas)
    {
        this.redis = redis;
        this.connection = connection;
        Url = url;
        Queue = new FarmQueue(connection.GetDatabase(), TimeProvider.System, replicas: replicas);
        Reader = new FarmReader(connection.GetDatabase(), Queue);
    }

    /// <summary>The farm's own redis-server (not for a farm on a <see cref="SentinelSet"/>, which the test owns).</summary>
    public RedisServer Redis => redis ?? throw new InvalidOperationException("this farm runs on a Sentinel set");

    /// <summary>The queue URL the workers are given.</summary>
    public string Url { get; }

    public TempDirectory Directory { get; } = new();

    public string Output => Path.Combine(Directory.Path, "out");

    public FarmQueue Queue { get; }

    public FarmReader Reader { get; }

    public IDatabase Database => connection.GetDatabase();

    public static async Task<FarmHarness> StartAsync()
    {
        var server = await RedisServer.StartAsync();
        return new FarmHarness(server, server.Url, server.Connect(), replicas: 0);
    }

    /// <summary>A farm on a Sentinel-managed Redis: the client follows the sentinels and its writes wait for a replica, as a worker's do.</summary>
    public static async Task<FarmHarness> StartAsync(SentinelSet set) =>
        new(null, set.Url, await RedisAddress.ConnectAsync(set.Url, null, CancellationToken.None), RedisAddress.ReplicasToWait(set.Url));

    public WorkerProcess StartWorker(string name, IReadOnlyDictionary<string, string>? extra = null, IReadOnlyList<string>? launcher = null)
    {
        var worker = WorkerProcess.Start(name, Url, Path.Combine(Directory.Path, "work"), extra, launcher);
        workers.Add(worker);
        return worker;
    }

    public async Task<JobSpec> SubmitAsync(string id, string scene, string frames, int chunk, int maxAttempts = 3, string? sha256 = null, Priority priority = Priority.Normal, string device = "CPU")
    {
        // As `farm submit` does: the scene's content hash goes with the job (workers cache by it).
        sha256 ??= File.Exists(scene) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(scene))) : null;
        var spec = new JobSpec { Id = id, Src = scene, Frames = frames, Output = Output, Device = device, MaxAttempts = maxAttempts, Sha256 = sha256, Priority = priority };
        Assert.True(await Queue.SubmitAsync(spec, FrameList.Parse(frames).Chunk(chunk), CancellationToken.None));
        return spec;
    }

    /// <summary>Waits until the job is done, failed or cancelled; fails the test with the workers' logs after the timeout.</summary>
    public async Task<JobStatus> WaitForEndAsync(string jobId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var job = await Reader.JobAsync(jobId, CancellationToken.None);
            if (job?.Status is "done" or "failed" or "cancelled")
            {
                return job;
            }

            await Task.Delay(200);
        }

        var last = await Reader.JobAsync(jobId, CancellationToken.None);
        Assert.Fail($"job {jobId} did not end in {timeout.TotalSeconds:F0} s (status {last?.Status}, {last?.FramesDone}/{last?.FramesTotal})\n" + Logs());
        return null!;
    }

    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"timed out waiting until {what}\n" + Logs());
    }

    /// <summary>Waits until <paramref name="worker"/> holds a task and returns its id.</summary>
    public async Task<string> WaitForTaskAsync(string worker, TimeSpan timeout)
    {
        string? held = null;
        await WaitUntilAsync(async () =>
        {
            held = (await Reader.WorkersAsync(CancellationToken.None)).FirstOrDefault(w => w.Name == worker && w.Task.Length > 0)?.Task;
            return held is not null;
        }, timeout, worker + " holding a task");
        return held!;
    }

    /// <summary>The files in a worker's scene cache.</summary>
    public string[] CacheFiles(string worker)
    {
        var cache = Path.Combine(Directory.Path, "work", worker, "cache");
        return System.IO.Directory.Exists(cache) ? System.IO.Directory.GetFiles(cache).Select(f => Path.GetFileName(f)!).ToArray() : [];
    }

    public string Logs() => string.Join("\n", workers.Select(w => $"--- {w.Name}:\n{w.Output}"));

    /// <summary>The frame files in the output directory, by name (no .part files may be left).</summary>
    public string[] OutputFiles() =>
        System.IO.Directory.Exists(Output) ? System.IO.Directory.GetFiles(Output).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray() : [];

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in workers)
        {
            worker.Dispose();
        }

        connection.Dispose();
        if (redis is not null)
        {
            await redis.DisposeAsync();
        }

        Directory.Dispose();
    }
}
