using System.CommandLine;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>`provision farm cancel JOB`: queued tasks are dropped, running ones stop at their worker's next heartbeat; done frames stay.</summary>
internal static class FarmCancelCommand
{
    public static Command Create(CliIo io)
    {
        var job = FarmCommand.Job();
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var command = new Command("cancel", "Cancel a job: nothing more of it is rendered (frames already delivered stay).") { job, inventory, queue };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = await FarmClient.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(queue), io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            var jobId = parse.GetValue(job)!;
            var result = await client.Queue.CancelAsync(jobId, cancellationToken).ConfigureAwait(false);
            switch (result)
            {
                case "cancelled":
                    io.Out.WriteLine($"cancelled {jobId}: running tasks stop within a heartbeat; `provision farm retry {jobId}` resumes it");
                    return ExitCodes.Success;
                case "unknown":
                    io.Error.WriteLine($"error: no job '{jobId}' in the queue at {client.Url}");
                    return ExitCodes.Error;
                default:
                    io.Error.WriteLine($"error: {jobId} is {result} already: nothing to cancel");
                    return ExitCodes.Error;
            }
        });
        return command;
    }
}
