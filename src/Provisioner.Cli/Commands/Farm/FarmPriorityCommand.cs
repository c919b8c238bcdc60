using System.CommandLine;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>`provision farm priority JOB high|normal|low`: a queued or running job's waiting tasks move to another priority's queue.</summary>
internal static class FarmPriorityCommand
{
    public static Command Create(CliIo io)
    {
        var job = FarmCommand.Job();
        var level = new Argument<Priority>("priority") { Description = "high, normal or low: every high task is taken before any normal one." };
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var command = new Command("priority", "Move a queued or running job to another priority (its waiting tasks change queue; running ones finish).") { job, level, inventory, queue };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = await FarmClient.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(queue), io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            var jobId = parse.GetValue(job)!;
            var priority = parse.GetValue(level);
            var (outcome, moved) = await client.Queue.ReprioritizeAsync(jobId, priority, cancellationToken).ConfigureAwait(false);
            return FarmCommand.Answer(io, client, outcome, FarmAnswers.Priority(jobId, priority, outcome, moved));
        });
        return command;
    }
}
