using System.CommandLine;
using Provisioner.Farm.Queue;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>
/// `provision farm drain|undrain|forget WORKER`: steer one worker. A drained worker finishes its
/// task and takes no other (to update or stop its VM without losing work); forget removes a worker
/// that stopped beating for good from the lists.
/// </summary>
internal static class FarmWorkerCommands
{
    public static Command Drain(CliIo io) => Create(io, "drain", "Let a worker finish its task and take no other, until undrained.",
        async (queue, worker, token) => Said(await queue.DrainAsync(worker, true, token).ConfigureAwait(false), outcome => FarmAnswers.Drain(worker, outcome)));

    public static Command Undrain(CliIo io) => Create(io, "undrain", "Let a drained worker take tasks again.",
        async (queue, worker, token) => Said(await queue.DrainAsync(worker, false, token).ConfigureAwait(false), outcome => FarmAnswers.Drain(worker, outcome)));

    public static Command Forget(CliIo io) => Create(io, "forget", $"Remove a worker silent for over {WorkerStatus.SilentAfter.TotalSeconds:F0} s (and holding no task) from the lists.",
        async (queue, worker, token) => Said(await queue.ForgetAsync(worker, token).ConfigureAwait(false), outcome => FarmAnswers.Forget(worker, outcome)));

    /// <summary>An outcome with its words.</summary>
    private static (string Outcome, string Message) Said(string outcome, Func<string, string> words) => (outcome, words(outcome));

    private static Command Create(CliIo io, string name, string description, Func<FarmQueue, string, CancellationToken, Task<(string Outcome, string Message)>> act)
    {
        var worker = new Argument<string>("worker") { Description = "The worker's name, as `provision farm workers` lists it." };
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var command = new Command(name, description) { worker, inventory, queue };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = await FarmClient.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(queue), io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            var (outcome, message) = await act(client.Queue, parse.GetValue(worker)!, cancellationToken).ConfigureAwait(false);
            return FarmCommand.Answer(io, client, outcome, message);
        });
        return command;
    }
}
