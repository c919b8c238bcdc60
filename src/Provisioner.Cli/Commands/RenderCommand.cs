using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Pipeline;
using Provisioner.Core.Rendering;

namespace Provisioner.Cli.Commands;

/// <summary>`provision render FILE -o DIR`: every artifact per host, as files to review.</summary>
internal static class RenderCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = CommonOptions.Inventory();
        var output = new Option<string>("-o", "--output") { Description = "Directory to write into (replaced whole).", Required = true };
        var command = new Command("render", "Write every file Provisioner would put on every host, per host, for review.") { inventory, output };
        command.SetAction(parse =>
        {
            var load = InventoryLoader.LoadFile(parse.GetValue(inventory)!);
            DiagnosticPrinter.Print(load.Diagnostics, io.Error);
            if (load.Inventory is null)
            {
                return ExitCodes.Error;
            }

            var directory = parse.GetValue(output)!;
            var (target, problem) = RenderDirectory.Open(directory);
            if (target is null)
            {
                io.Error.WriteLine("error: " + problem);
                return ExitCodes.Error;
            }

            using (target)
            using (var templates = InventoryPipeline.TemplatesFor(load.Inventory))
            {
                // Each host is written as soon as it is rendered; nothing is swapped in unless all succeed.
                var errors = DesiredStateBuilder.BuildEach(load.Inventory, templates, (_, host) => target.Write([.. ArtifactTree.For(host)]));
                if (errors.Count > 0)
                {
                    DiagnosticPrinter.Print(errors, io.Error);
                    return ExitCodes.Error;
                }

                target.Commit();
            }

            io.Out.WriteLine($"Rendered {target.FileCount} file(s) for {load.Inventory.Hosts.Count} host(s) into {directory}.");
            return ExitCodes.Success;
        });
        return command;
    }
}
