using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
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
            var load = InventoryLoader.LoadFile(path);
            if (load.Inventory is null)
            {
                DiagnosticPrinter.Print(load.Diagnostics, io.Error);
                return ExitCodes.Error;
            }

            // Every template is rendered for every host (that is how template errors are found),
            // but nothing is kept: only the counts.
            var vms = 0;
            using var templates = InventoryPipeline.TemplatesFor(load.Inventory);
            var errors = DesiredStateBuilder.BuildEach(load.Inventory, templates, (_, host) => Interlocked.Add(ref vms, host.Vms.Count));
            DiagnosticPrinter.Print([.. load.Diagnostics, .. errors], io.Error);
            if (errors.Count > 0)
            {
                return ExitCodes.Error;
            }

            io.Out.WriteLine($"{path}: valid ({load.Inventory.Hosts.Count} host(s), {vms} worker VM(s)).");
            return ExitCodes.Success;
        });
        return command;
    }
}
