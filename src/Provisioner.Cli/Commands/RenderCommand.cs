using System.CommandLine;
using Provisioner.Cli.Output;
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
            var result = InventoryPipeline.Run(parse.GetValue(inventory)!);
            DiagnosticPrinter.Print(result.Diagnostics, io.Error);
            if (!result.Succeeded)
            {
                return ExitCodes.Error;
            }

            var artifacts = result.Hosts.SelectMany(ArtifactTree.For).ToList();
            var directory = parse.GetValue(output)!;
            if (ArtifactWriter.Write(directory, artifacts) is { } problem)
            {
                io.Error.WriteLine("error: " + problem);
                return ExitCodes.Error;
            }

            io.Out.WriteLine($"Rendered {artifacts.Count} file(s) for {result.Hosts.Count} host(s) into {directory}.");
            return ExitCodes.Success;
        });
        return command;
    }
}
