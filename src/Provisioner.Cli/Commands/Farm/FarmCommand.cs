using System.CommandLine;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>`provision farm …`: submit render jobs to the worker VMs' queue and watch them.</summary>
internal static class FarmCommand
{
    public static Command Create(CliIo io) => new("farm", "The render farm: submit Blender jobs to the worker VMs' queue, follow them, cancel or retry them.")
    {
        FarmSubmitCommand.Create(io),
        FarmStatusCommand.Create(io),
        FarmWorkersCommand.Create(io),
        FarmCancelCommand.Create(io),
        FarmRetryCommand.Create(io),
        FarmPriorityCommand.Create(io),
        FarmWorkerCommands.Drain(io),
        FarmWorkerCommands.Undrain(io),
        FarmWorkerCommands.Forget(io),
        FarmServeCommand.Create(io),
    };

    /// <summary>The inventory that names the queue (the same file as apply's).</summary>
    public static Option<string> Inventory() => new("--inventory", "-I")
    {
        Description = "Inventory whose worker VMs name the queue (worker.queue_url, queue_password).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PROVISION_INVENTORY") is { Length: > 0 } path ? path : "inventory.yaml",
    };

    public static Option<string?> Queue() => new("--queue")
    {
        Description = "redis://HOST:PORT/DB of the queue instead of the inventory's (password from PROVISION_QUEUE_PASSWORD).",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON on stdout." };

    /// <summary>Prints a steering operation's words (<see cref="Provisioner.Farm.Queue.FarmAnswers"/>): on stdout when it succeeded, as an error naming the queue when not.</summary>
    public static int Answer(CliIo io, FarmClient client, string outcome, string message)
    {
        if (Provisioner.Farm.Queue.FarmAnswers.Succeeded(outcome))
        {
            io.Out.WriteLine(message);
            return ExitCodes.Success;
        }

        io.Error.WriteLine($"error: {message} (queue {client.Url})");
        return ExitCodes.Error;
    }

    public static Argument<string> Job() => new("job") { Description = "The job's id (as submit printed it)." };
}
