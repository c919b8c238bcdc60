using System.CommandLine;

namespace Provisioner.Cli.Commands;

/// <summary>`provision validate FILE`: load, check and render everything in memory; touch nothing.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = CommonOptions.Inventory();
        var command = new Command("validate", "Check an inventory and its templates; report every problem with file:line:col.") { inventory };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(inventory)!;
            // Every template is rendered for every host (that is how template errors are found),
            // but nothing is kept: only the counts.
            var vms = 0;
            var loaded = InventoryRun.Run(path, limit: null, io, (_, host) => Interlocked.Add(ref vms, host.Vms.Count));
            if (loaded is null)
            {
                return ExitCodes.Error;
            }

            io.Out.WriteLine($"{path}: valid ({loaded.Hosts.Count} host(s), {vms} worker VM(s)).");
            return ExitCodes.Success;
        });
        return command;
    }
}
