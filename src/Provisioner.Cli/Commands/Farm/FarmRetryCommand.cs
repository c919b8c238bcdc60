using System.CommandLine;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>`provision farm retry JOB`: a failed or cancelled job runs again; its unfinished tasks get fresh attempts, done frames are kept.</summary>
internal static class FarmRetryCommand
{
    public static Command Create(CliIo io)
    {
        var job = FarmCommand.Job();
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var command = new Command("retry", "Run a failed or cancelled job again: unfinished tasks are queued with fresh attempts; done frames are kept.") { job, inventory, queue };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = await FarmClient.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(queue), io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            var jobId = parse.GetValue(job)!;
            var (status, requeued) = await client.Queue.RetryAsync(jobId, cancellationToken).ConfigureAwait(false);
            switch (status)
            {
                case "retried":
                    io.Out.WriteLine($"retrying {jobId}: {requeued} task(s) queued again with fresh attempts");
                    return ExitCodes.Success;
                case "unknown":
                    io.Error.WriteLine($"error: no job '{jobId}' in the queue at {client.Url}");
                    return ExitCodes.Error;
                default:
                    io.Error.WriteLine($"error: {jobId} is {status}: only a failed or cancelled job can be retried");
                    return ExitCodes.Error;
            }
        });
        return command;
    }
}
