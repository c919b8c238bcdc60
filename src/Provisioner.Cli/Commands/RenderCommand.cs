using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Rendering;

namespace Provisioner.Cli.Commands;

/// <summary>`provision render FILE -o DIR`: every artifact per host, as files to review.</summary>
internal static class RenderCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = CommonOptions.Inventory();
        var output = new Option<string>("-o", "--output") { Description = "Directory to write into (replaced whole).", Required = true };
        var limit = CommonOptions.Limit();
        var command = new Command("render", "Write every file Provisioner would put on every host, per host, for review.") { inventory, output, limit };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(output)!;
            var (target, problem) = RenderDirectory.Open(directory);
            if (target is null)
            {
                io.Error.WriteLine("error: " + problem);
                return ExitCodes.Error;
            }

            using (target)
            {
                // Each host is written to the staging directory as soon as it is rendered; the
                // directory is swapped in only if every host succeeded (else it is deleted).
                var loaded = InventoryRun.Run(parse.GetValue(inventory)!, parse.GetValue(limit), io, (_, host) => target.Write([.. ArtifactTree.For(host)]));
                if (loaded is null)
                {
                    return ExitCodes.Error;
                }

                target.Commit();
                io.Out.WriteLine($"Rendered {target.FileCount} file(s) for {loaded.Hosts.Count} host(s) into {Core.Text.Printable.Escape(directory)}.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
