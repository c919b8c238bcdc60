using System.Globalization;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Provisioner.Worker.Agent;
using Provisioner.Worker.Rendering;
using Serilog;

namespace Provisioner.Worker.Generation;

/// <summary>
/// One attempt at a generation task: the script run once for the task's items into a hidden
/// folder of the attempt's own on the share, its full output kept as the batch's log, the
/// declared outputs checked, and the batch swapped in whole as OUTPUT/batch_NNNN/ beside
/// OUTPUT/batch_NNNN.log (see <see cref="BatchDelivery"/>).
/// </summary>
public sealed class GenerationRenderer(WorkerConfig config, BlenderRunner blender, ILogger log)
{
    public async Task<RenderOutcome> RenderAsync(TaskLease task, GenerationSpec generation, string? scene, string device, string taskDirectory, CancellationToken cancellationToken)
    {
        var job = task.Job;
        if (generation.Blenderproc && BlenderprocProblem() is { } missing)
        {
            return RenderOutcome.Failed(missing);
        }

        var first = task.Frames.Frames[0];
        var items = task.Frames.Count;
        var batch = generation.BatchName(first);
        var attempt = $"{config.Name}.attempt-{task.Attempt.ToString(CultureInfo.InvariantCulture)}";
        var output = BatchDelivery.Prepare(job.Output, batch, attempt);
        var command = new GenerationCommand(
            generation.Blenderproc ? ResolveOnPath(config.Blender) : config.Blender,
            generation.Blenderproc ? config.Blenderproc : null,
            scene, generation.Script, generation.SeedFor(first), items, output, device, job.Samples, config.Threads, RenderOptions.From(job));
        log.Debug("running {Command}", command);

        var logFile = Path.Combine(taskDirectory, batch + ".log");
        BlenderResult result;
        await using (var writer = new StreamWriter(logFile))
        {
            var gate = new Lock();
            void Write(string line)
            {
                lock (gate)
                {
                    writer.WriteLine(line);
                }
            }

            Write($"# {job.Id} {batch}: items {first}-{first + items - 1}, seed {generation.SeedFor(first)}, worker {config.Name}, attempt {task.Attempt}");
            Write("# " + command);
            try
            {
                result = await blender.RunAsync(command.Program, command.Arguments(), TimeSpan.FromSeconds(job.TaskTimeoutSeconds), Write, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The lease went elsewhere or the worker is stopping: nothing half-made stays on the share.
                BatchDelivery.Discard(output);
                throw;
            }

            Write(string.Create(CultureInfo.InvariantCulture, $"# exit {(result.TimedOut ? "timed out" : result.ExitCode.ToString(CultureInfo.InvariantCulture))} after {result.Elapsed.TotalSeconds:0.00} s"));
        }

        // The log goes to the share whatever happened: a failed batch is the one whose log is read.
        var problem = result.TimedOut ? $"timed out after {job.TaskTimeoutSeconds} s (task_timeout_seconds)"
            : result.ExitCode != 0 ? result.Log.Explain(result.ExitCode)
            : GenerationOutputs.Problem(output, generation.Expect, items);
        await BatchDelivery.DeliverLogAsync(logFile, job.Output, batch, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            BatchDelivery.Discard(output);
            return RenderOutcome.Failed($"{batch}: {problem} (log: {Path.Combine(job.Output, batch + ".log")})");
        }

        BatchDelivery.Publish(output, job.Output, batch, attempt, cancellationToken);

        // Items have no time of their own: each is given its share of the run.
        var each = result.Elapsed / items;
        return new RenderOutcome([.. task.Frames.Frames.Select(item => new FrameTime(item, each))], null);
    }

    /// <summary>Why this worker cannot run a BlenderProc job, or null.</summary>
    private string? BlenderprocProblem()
    {
        if (config.Blenderproc is null)
        {
            return $"worker {config.Name} has no BlenderProc (set worker.blenderproc in the inventory so the VM installs it, or submit without --blenderproc)";
        }

        var directory = Path.GetDirectoryName(ResolveOnPath(config.Blender));
        var isRelease = directory is not null && Directory.Exists(directory)
            && Directory.EnumerateDirectories(directory).Any(d => Path.GetFileName(d) is { Length: > 0 } name && name.All(c => char.IsAsciiDigit(c) || c == '.'));
        return isRelease
            ? null
            : $"worker {config.Name}'s Blender {config.Blender} is not an unpacked Blender release (BlenderProc's --custom-blender-path needs the folder holding 'blender' and its version folder, e.g. /opt/blender/4.2)";
    }

    /// <summary>A bare program name as the PATH finds it (BlenderProc needs Blender's directory).</summary>
    private static string ResolveOnPath(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return program;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists) ?? program;
    }
}
