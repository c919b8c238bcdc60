using System.Globalization;
using Provisioner.Farm.Jobs;

namespace Provisioner.Worker.Agent;

/// <summary>
/// The agent's settings. In a worker VM they come from /etc/provision-worker/worker.env (rendered
/// from the inventory, loaded by the systemd unit); tests and the benchmark set the same variables.
/// </summary>
public sealed record WorkerConfig
{
    public required string Name { get; init; }

    public required string QueueUrl { get; init; }

    public string? QueuePassword { get; init; }

    /// <summary>Default device for jobs that do not name one: OPTIX, CUDA or CPU.</summary>
    public string Device { get; init; } = "OPTIX";

    public required string WorkDirectory { get; init; }

    /// <summary>
    /// The directories jobs may read scenes from and write frames to (PROVISION_ALLOWED_ROOTS,
    /// colon-separated): the work disk and the share, the same paths the unit's ReadWritePaths opens.
    /// </summary>
    public IReadOnlyList<string> AllowedRoots { get; init; } = ["/srv/work"];

    public string Blender { get; init; } = "blender";

    public string NvidiaSmi { get; init; } = "nvidia-smi";

    /// <summary>BlenderProc's launcher (PROVISION_BLENDERPROC, installed by the inventory's worker.blenderproc); null: --blenderproc jobs are refused.</summary>
    public string? Blenderproc { get; init; }

    /// <summary>Blender's -t; null lets Blender use every CPU.</summary>
    public int? Threads { get; init; }

    /// <summary>How long a task stays ours without a heartbeat; renewed every sixth of it.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle worker looks for work.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the worker requeues other workers' expired tasks and takes in seed jobs.</summary>
    public TimeSpan ReapEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After refusing a GPU task (no GPU visible), wait this long before taking work again.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(30);

    public string Host { get; init; } = Environment.MachineName;

    /// <summary>What an hour of this worker costs (PROVISION_HOURLY_COST, from the inventory's gpu_model.hourly_cost); null: no cost is counted.</summary>
    public decimal? HourlyCost { get; init; }

    /// <summary>Above this GPU temperature (°C) tasks and the worker are flagged hot (PROVISION_GPU_TEMPERATURE_LIMIT, gpu_model.temperature_limit).</summary>
    public int TemperatureLimit { get; init; } = 80;

    /// <summary>How often a GPU worker reads nvidia-smi (PROVISION_GPU_SAMPLE_SECONDS).</summary>
    public TimeSpan GpuSampleEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads PROVISION_* variables; throws with the variable's name when one is missing or malformed.</summary>
    public static WorkerConfig FromEnvironment(Func<string, string?> variable)
    {
        string Required(string name) => variable(name) is { Length: > 0 } value
            ? value
            : throw new ArgumentException($"{name} is not set (it belongs in /etc/provision-worker/worker.env)");
        double? Seconds(string name) => variable(name) is { Length: > 0 } value
            ? double.TryParse(value, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : throw new ArgumentException($"{name}='{value}' is not a number of seconds")
            : null;

        var config = new WorkerConfig
        {
            Name = Required("PROVISION_WORKER_NAME"),
            QueueUrl = Required("PROVISION_QUEUE_URL"),
            QueuePassword = variable("PROVISION_QUEUE_PASSWORD"),
            WorkDirectory = variable("PROVISION_WORK_DIR") is { Length: > 0 } dir ? dir : "/srv/work/provision",
        };
        if (variable("PROVISION_RENDER_DEVICE") is { Length: > 0 } device)
        {
            config = config with { Device = RenderDevices.All.Contains(device) ? device : throw new ArgumentException($"PROVISION_RENDER_DEVICE='{device}' must be one of {string.Join(", ", RenderDevices.All)}") };
        }

        if (variable("PROVISION_ALLOWED_ROOTS") is { Length: > 0 } roots)
        {
            var list = roots.Split(':', StringSplitOptions.RemoveEmptyEntries);
            config = config with
            {
                AllowedRoots = list.Length > 0 && list.All(JobValidation.IsCleanAbsolutePath)
                    ? list
                    : throw new ArgumentException($"PROVISION_ALLOWED_ROOTS={JobValidation.Quote(roots)} must be absolute directories separated by ':' (no '.' or '..')"),
            };
        }

        if (variable("PROVISION_BLENDER") is { Length: > 0 } blender)
        {
            config = config with { Blender = blender };
        }

        if (variable("PROVISION_BLENDERPROC") is { Length: > 0 } blenderproc)
        {
            config = config with { Blenderproc = blenderproc };
        }

        if (variable("PROVISION_NVIDIA_SMI") is { Length: > 0 } smi)
        {
            config = config with { NvidiaSmi = smi };
        }

        if (variable("PROVISION_BLENDER_THREADS") is { Length: > 0 } threads)
        {
            config = config with { Threads = int.TryParse(threads, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : throw new ArgumentException($"PROVISION_BLENDER_THREADS='{threads}' is not a positive number") };
        }

        if (variable("PROVISION_HOURLY_COST") is { Length: > 0 } cost)
        {
            config = config with
            {
                HourlyCost = decimal.TryParse(cost, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate >= 0
                    ? rate
                    : throw new ArgumentException($"PROVISION_HOURLY_COST='{cost}' is not an amount per hour such as 0.85"),
            };
        }

        if (variable("PROVISION_GPU_TEMPERATURE_LIMIT") is { Length: > 0 } limit)
        {
            config = config with
            {
                TemperatureLimit = int.TryParse(limit, CultureInfo.InvariantCulture, out var celsius) && celsius is >= 30 and <= 120
                    ? celsius
                    : throw new ArgumentException($"PROVISION_GPU_TEMPERATURE_LIMIT='{limit}' is not a temperature from 30 to 120 (°C)"),
            };
        }

        // One of several processes on the VM's GPU (worker.processes_per_gpu: the template unit's %i).
        // Each is its own worker in the queue, and keeps its own cache and task folders: two
        // processes fetching the same scene would otherwise write the same partial file.
        if (variable("PROVISION_WORKER_SLOT") is { Length: > 0 } slot)
        {
            config = int.TryParse(slot, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 64
                ? config with { Name = $"{config.Name}-{number}", WorkDirectory = Path.Combine(config.WorkDirectory, $"slot-{number}") }
                : throw new ArgumentException($"PROVISION_WORKER_SLOT='{slot}' is not a process number from 1 to 64 (the unit's instance, provision-worker@N.service)");
        }

        return config with
        {
            GpuSampleEvery = Seconds("PROVISION_GPU_SAMPLE_SECONDS") is { } sample ? TimeSpan.FromSeconds(sample) : config.GpuSampleEvery,
            Lease = Seconds("PROVISION_LEASE_SECONDS") is { } lease ? TimeSpan.FromSeconds(lease) : config.Lease,
            Poll = Seconds("PROVISION_POLL_SECONDS") is { } poll ? TimeSpan.FromSeconds(poll) : config.Poll,
            ReapEvery = Seconds("PROVISION_REAP_SECONDS") is { } reap ? TimeSpan.FromSeconds(reap) : config.ReapEvery,
            Backoff = Seconds("PROVISION_BACKOFF_SECONDS") is { } backoff ? TimeSpan.FromSeconds(backoff) : config.Backoff,
        };
    }
}
