using System.Runtime.InteropServices;
using Provisioner.Farm.Queue;
using Provisioner.Worker.Agent;
using Provisioner.Worker.Files;
using Provisioner.Worker.Rendering;
using Provisioner.Worker.Telemetry;
using Serilog;
using StackExchange.Redis;

// provision-worker: the render agent of a worker VM. Settings come from the environment
// (/etc/provision-worker/worker.env through the systemd unit); see docs/farm.md.
using var stop = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

await using var logger = new LoggerConfiguration()
    .WriteTo.Console(outputTemplate: "{Level:u3} {Message:lj}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture)
    .CreateLogger();

WorkerConfig config;
try
{
    config = WorkerConfig.FromEnvironment(Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    logger.Error("provision-worker: {Error}", e.Message);
    return 2;
}

var clock = TimeProvider.System;
ConnectionMultiplexer redis;
try
{
    redis = await RedisAddress.ConnectAsync(config.QueueUrl, config.QueuePassword, stop.Token);
}
catch (Exception e) when (e is FormatException or RedisConnectionException)
{
    // A malformed PROVISION_QUEUE_URL, or no sentinel answering: said in one line; systemd restarts us.
    logger.Error("provision-worker: {Error}", e.Message.Split('\n')[0]);
    return 2;
}

using var connection = redis;
var database = redis.GetDatabase();
var queue = new FarmQueue(database, clock, replicas: RedisAddress.ReplicasToWait(config.QueueUrl));
using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
// What this worker's Blender can do (denoisers, formats): said with every heartbeat, so submit
// refuses what it lacks, and checked again before each task.
var (features, probeProblem) = await BlenderProbe.ProbeAsync(config.Blender, stop.Token);
if (features is null)
{
    logger.Warning("provision-worker: {Problem}; jobs that ask for a denoiser or a frame format are refused here", probeProblem);
}
else
{
    logger.Information("Blender {Version}: denoisers {Denoisers}, formats {Formats}", features.Version, string.Join(", ", features.Denoisers), string.Join(", ", features.Formats));
}

var renderer = new TaskRenderer(config, new AssetCache(Path.Combine(config.WorkDirectory, "cache"), http), new BlenderRunner(clock), logger, features);
// A GPU worker watches its card (CPU fallback, throttling, heat); a CPU worker has no nvidia-smi to ask.
var monitor = config.Device == "CPU" ? null : new GpuMonitor(new NvidiaSmi(config.NvidiaSmi), config.GpuSampleEvery, config.TemperatureLimit, clock, logger);
var agent = new WorkerAgent(config, queue, new SeedIntake(database, queue, config.AllowedRoots), renderer, monitor, clock, logger, features);
await agent.RunAsync(stop.Token);
return 0;
