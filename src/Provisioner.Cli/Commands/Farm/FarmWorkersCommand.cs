using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Text;
using Provisioner.Farm.Queue;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>`provision farm workers`: every worker's heartbeat age, current task and GPU.</summary>
internal static class FarmWorkersCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var json = FarmCommand.Json();
        var command = new Command("workers", "List the workers: heartbeat age, what each is rendering, its GPU, frames rendered.") { inventory, queue, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = await FarmClient.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(queue), io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            var workers = await client.Reader.WorkersAsync(cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var now = io.Time.GetUtcNow();
                io.Out.Write(JsonOutput.Serialize(new { FormatVersion = 1, Workers = workers.Select(w => WorkerReport.Of(w, now)) }));
            }
            else
            {
                FarmTables.WriteWorkers(workers, io.Time.GetUtcNow(), io.Out, io.OutIsTerminal);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
