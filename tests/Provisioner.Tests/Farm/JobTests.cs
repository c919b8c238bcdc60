using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Worker.Agent;

namespace Provisioner.Tests.Farm;

public sealed class JobTests
{
    [Fact]
    public void SeedJobJson_IsAJobSpecWithDefaults()
    {
        var spec = JobSpec.TryParse("""{"id":"shot10","src":"/mnt/s.blend","frames":"1-240","samples":128,"device":"OPTIX","output":"/mnt/out","extra":{"shot":"sh010"}}""", out var error);

        Assert.True(spec is not null, error);
        Assert.Equal((Priority.Normal, 3, 3600, "sh010"), (spec.Priority, spec.MaxAttempts, spec.TaskTimeoutSeconds, spec.Extra!.Value.GetProperty("shot").GetString()));
        Assert.Contains("\"frames\":\"1-240\"", spec.ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"priority\":\"normal\"", spec.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"../x","src":"/s.blend","frames":"1","output":"/o"}""", "job id '../x' may only hold")]
    [InlineData("""{"id":"a","src":"s.blend","frames":"1","output":"/o"}""", "must be an absolute path the workers can read (no '..', no control characters) or an http(s) URL")]
    // Hostile seed jobs (issue 15): a numeric priority names a queue no worker reads; traversal
    // leaves the share; ESC and newlines are never queued nor echoed; ids and sha256 are anchored.
    [InlineData("""{"id":"a","src":"/s.blend","frames":"1","output":"/o","priority":7}""", "not a job")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":"1","output":"/mnt/renders/../../etc/cron.d"}""", "output '/mnt/renders/../../etc/cron.d' must be an absolute path with no '.' or '..' segments")]
    [InlineData("""{"id":"a","src":"/mnt/../etc/passwd","frames":"1","output":"/o"}""", "src '/mnt/../etc/passwd' must be an absolute path")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":"1","output":"/o/\u001b]0;pwned\u0007"}""", "output (13 characters, not shown: they hold control or non-ASCII characters, or are too long) must be")]
    [InlineData("""{"id":"a\n","src":"/s.blend","frames":"1","output":"/o"}""", "job id (2 characters, not shown")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":"1","output":"/o","sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"}""", "sha256 must be the 64 lowercase hex digits")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":"3-1","output":"/o"}""", "frames: range '3-1' runs backwards")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":"1","output":"o"}""", "output 'o' must be an absolute path")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":"1","output":"/o","device":"METAL"}""", "device 'METAL' must be one of OPTIX, CUDA, CPU")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":"1","output":"/o","samples":0}""", "samples 0 must be between")]
    [InlineData("""{"id":"a","src":"/s.blend","frames":1,"output":"/o"}""", "not a job")]
    [InlineData("""not json""", "not a job")]
    public void BadJobs_AreRefusedWithTheReason(string json, string expected)
    {
        Assert.Null(JobSpec.TryParse(json, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_EtaFromTheJobsOwnPace_AndFrameTimeFigures()
    {
        var start = DateTimeOffset.UnixEpoch.AddDays(1);
        var job = new JobStatus(new JobSpec { Id = "j", Src = "/s", Frames = "1-100", Output = "/o" }, "running", 100, 25, 0, 20, 5,
            start, start, null, "", "");
        FrameRecord[] frames = [new(1, TimeSpan.FromSeconds(1), "w"), new(2, TimeSpan.FromSeconds(2), "w"), new(3, TimeSpan.FromSeconds(3), "w"), new(4, TimeSpan.FromSeconds(10), "w")];

        var progress = JobProgress.Of(job, frames, start.AddMinutes(5));

        Assert.Equal(0.25, progress.Fraction);
        Assert.Equal(TimeSpan.FromMinutes(15), progress.Eta);
        Assert.Equal((4.0, 3.0, 10.0), (progress.MeanFrame!.Value.TotalSeconds, progress.MedianFrame!.Value.TotalSeconds, progress.SlowestFrame!.Value.TotalSeconds));
        Assert.Null(JobProgress.Of(job with { Status = "done" }, [], start).Eta);
    }

    [Fact]
    public void WorkerConfig_FromTheEnvironmentFile()
    {
        var env = new Dictionary<string, string>
        {
            ["PROVISION_WORKER_NAME"] = "hk-gpu-01-gpu0",
            ["PROVISION_QUEUE_URL"] = "redis://10.20.0.5:6379/0",
            ["PROVISION_RENDER_DEVICE"] = "OPTIX",
            ["PROVISION_LEASE_SECONDS"] = "45",
        };

        var config = WorkerConfig.FromEnvironment(env.GetValueOrDefault);

        Assert.Equal(("hk-gpu-01-gpu0", "OPTIX", "/srv/work/provision", 45.0), (config.Name, config.Device, config.WorkDirectory, config.Lease.TotalSeconds));
        var missing = Assert.Throws<ArgumentException>(() => WorkerConfig.FromEnvironment(_ => null));
        Assert.Contains("PROVISION_WORKER_NAME is not set", missing.Message, StringComparison.Ordinal);
        var badDevice = Assert.Throws<ArgumentException>(() => WorkerConfig.FromEnvironment(k => k == "PROVISION_RENDER_DEVICE" ? "GPU" : env.GetValueOrDefault(k)));
        Assert.Contains("must be one of OPTIX, CUDA, CPU, OPTIX,CUDA", badDevice.Message, StringComparison.Ordinal);
        Assert.Equal(["/srv/work"], config.AllowedRoots);
        var roots = WorkerConfig.FromEnvironment(k => k == "PROVISION_ALLOWED_ROOTS" ? "/srv/work:/mnt/renders" : env.GetValueOrDefault(k));
        Assert.Equal(["/srv/work", "/mnt/renders"], roots.AllowedRoots);
        var badRoot = Assert.Throws<ArgumentException>(() => WorkerConfig.FromEnvironment(k => k == "PROVISION_ALLOWED_ROOTS" ? "/srv/work:../etc" : env.GetValueOrDefault(k)));
        Assert.Contains("PROVISION_ALLOWED_ROOTS='/srv/work:../etc' must be absolute directories", badRoot.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2", "hk-gpu-01-gpu0-2", "/srv/work/provision/slot-2", null)]
    [InlineData("8", "hk-gpu-01-gpu0-8", "/srv/work/provision/slot-8", null)]
    [InlineData("0", null, null, "PROVISION_WORKER_SLOT='0' is not a process number from 1 to 64")]
    [InlineData("i", null, null, "PROVISION_WORKER_SLOT='i' is not a process number")]
    [InlineData("-1", null, null, "PROVISION_WORKER_SLOT='-1' is not a process number")]
    public void WorkerConfig_OneOfSeveralProcessesOnTheGpu_IsItsOwnWorkerWithItsOwnFolder(string slot, string? name, string? directory, string? error)
    {
        var env = new Dictionary<string, string>
        {
            ["PROVISION_WORKER_NAME"] = "hk-gpu-01-gpu0",
            ["PROVISION_QUEUE_URL"] = "redis://10.20.0.5:6379/0",
            ["PROVISION_WORKER_SLOT"] = slot,
        };

        if (error is not null)
        {
            Assert.Contains(error, Assert.Throws<ArgumentException>(() => WorkerConfig.FromEnvironment(env.GetValueOrDefault)).Message, StringComparison.Ordinal);
            return;
        }

        var config = WorkerConfig.FromEnvironment(env.GetValueOrDefault);
        Assert.Equal((name, directory), (config.Name, config.WorkDirectory));
    }

    [Theory]
    [InlineData("/mnt/renders/shot/s.blend", "/mnt/renders/shot/####.png", null)]
    [InlineData("https://assets.example/s.blend", "/srv/work/out", null)]
    [InlineData("/mnt/renders", "/mnt/renders", null)]
    [InlineData("/etc/shadow", "/mnt/renders/out", "src '/etc/shadow' is outside the directories this worker may read")]
    [InlineData("/mnt/renders/s.blend", "/etc/cron.d", "output '/etc/cron.d' is outside the directories this worker may write")]
    [InlineData("/mnt/renders/s.blend", "/mnt/renders2/out", "output '/mnt/renders2/out' is outside")]
    [InlineData("/mnt/renders/s.blend", "/srv/workshop", "output '/srv/workshop' is outside")]
    public void OutsideRoots_OnlyTheRootsAndBelow_NeverASiblingSharingTheirPrefix(string src, string output, string? expected)
    {
        var spec = new JobSpec { Id = "j", Src = src, Frames = "1", Output = output };

        var problem = JobValidation.OutsideRoots(spec, ["/mnt/renders/", "/srv/work"]);

        if (expected is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.StartsWith(expected, problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("redis://10.20.0.5:6379/2", "10.20.0.5:6379", 2, false)]
    [InlineData("rediss://queue.example:6380", "queue.example:6380", 0, true)]
    public void RedisAddress_FromTheInventorysUrl(string url, string endpoint, int database, bool tls)
    {
        var options = RedisAddress.Parse(url, "pw");

        Assert.Equal((endpoint, database, tls, "pw"), (options.EndPoints[0].ToString()!.Replace("Unspecified/", "", StringComparison.Ordinal), options.DefaultDatabase ?? 0, options.Ssl, options.Password));
    }

    /// <summary>A Sentinel set: the sentinels (26379 by default) and the service they watch; writes then wait for one replica.</summary>
    [Fact]
    public void RedisAddress_SentinelSet_NamesTheSentinelsAndTheService()
    {
        var options = RedisAddress.Parse("redis-sentinel://10.20.0.5,10.20.0.6:26380,queue-c.example/render-queue/3", "pw");

        Assert.Equal(["10.20.0.5:26379", "10.20.0.6:26380", "queue-c.example:26379"], options.EndPoints.Select(e => e.ToString()!.Replace("Unspecified/", "", StringComparison.Ordinal)));
        Assert.Equal(("render-queue", 3, "pw"), (options.ServiceName, options.DefaultDatabase, options.Password));
        Assert.Equal(1, RedisAddress.ReplicasToWait("redis-sentinel://a,b,c/m"));
        Assert.Equal(0, RedisAddress.ReplicasToWait("redis://a:6379/0"));
    }

    [Theory]
    [InlineData("http://x:6379", "is not redis://HOST:PORT/DB")]
    [InlineData("redis://:hunter2@x:6379/0", "carries credentials")]
    [InlineData("redis://x:6379/99", "must be a number from 0 to 15")]
    [InlineData("redis-sentinel://a,b,c", "names no Sentinel service")]
    [InlineData("redis-sentinel://a,,c/mymaster", "'' is not a sentinel's HOST or HOST:PORT")]
    [InlineData("redis-sentinel://a:99999/mymaster", "'a:99999' is not a sentinel's HOST")]
    [InlineData("redis-sentinel://:hunter2@a,b/mymaster", "carries credentials")]
    [InlineData("redis-sentinel://a,b/my master", "names no Sentinel service")]
    [InlineData("redis-sentinel://a,b/mymaster/x", "the database 'x' must be a number")]
    public void RedisAddress_BadUrls(string url, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RedisAddress.Parse(url, null));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
