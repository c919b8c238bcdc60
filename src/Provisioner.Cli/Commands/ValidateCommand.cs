using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Pipeline;

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
            var result = InventoryPipeline.Run(path);
            DiagnosticPrinter.Print(result.Diagnostics, io.Error);
            if (!result.Succeeded)
            {
                return ExitCodes.Error;
            }

            var vms = result.Hosts.Sum(h => h.Vms.Count);
            io.Out.WriteLine($"{path}: valid ({result.Hosts.Count} host(s), {vms} worker VM(s)).");
            return ExitCodes.Success;
        });
        return command;
    }
}
