using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Text;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>`provision farm status [JOB]`: the recent jobs with progress and ETA, or one job in detail (tasks, per-frame times, errors).</summary>
internal static class FarmStatusCommand
{
    public static Command Create(CliIo io)
    {
        var job = new Argument<string?>("job") { Description = "One job in detail; without it, the recent jobs.", Arity = ArgumentArity.ZeroOrOne };
        var last = CommonOptions.InRange(new Option<int>("--last") { Description = "How many recent jobs to list.", DefaultValueFactory = _ => 20 }, 1, 10_000);
        var allFrames = new Option<bool>("--frames") { Description = "With JOB: list every rendered frame with its time and worker." };
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var json = FarmCommand.Json();
        var command = new Command("status", "Show the farm's jobs: progress, frames done/failed, ETA, per-frame times and who is rendering what.")
        {
            job, last, allFrames, inventory, queue, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = await FarmClient.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(queue), io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            var reader = client.Reader;
            var now = io.Time.GetUtcNow();
            if (parse.GetValue(job) is not { } jobId)
            {
                var jobs = await reader.JobsAsync(parse.GetValue(last), cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    io.Out.Write(JsonOutput.Serialize(new { FormatVersion = 1, Jobs = jobs.Select(j => FarmTables.JobJson(j, null, now)) }));
                }
                else
                {
                    FarmTables.WriteJobs(jobs, now, io.Out, io.OutIsTerminal);
                }

                return ExitCodes.Success;
            }

            var status = await reader.JobAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (status is null)
            {
                io.Error.WriteLine($"error: no job '{jobId}' in the queue at {client.Url} (`provision farm status` lists them)");
                return ExitCodes.Error;
            }

            var frames = await reader.FramesAsync(jobId, cancellationToken).ConfigureAwait(false);
            var tasks = await reader.RunningTasksAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                io.Out.Write(JsonOutput.Serialize(new { FormatVersion = 1, Job = FarmTables.JobJson(status, frames, now), Tasks = tasks }));
            }
            else
            {
                FarmTables.WriteJob(status, tasks, frames, parse.GetValue(allFrames), now, io.Out, io.OutIsTerminal);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
