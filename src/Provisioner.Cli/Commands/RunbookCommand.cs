using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Pipeline;
using Provisioner.Core.Runbook;

namespace Provisioner.Cli.Commands;

/// <summary>
/// `provision runbook FILE [--limit HOSTS]`: each host's bring-up as a Markdown document, from the
/// same desired state and commands as apply (offline: nothing is contacted).
/// </summary>
internal static class RunbookCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = CommonOptions.Inventory();
        var limit = CommonOptions.Limit("--host");
        var output = new Option<string?>("-o", "--output") { Description = "Write the runbook to this file instead of stdout." };
        var noVms = new Option<bool>("--no-vms") { Description = "Hosts only: leave the worker VM phase out." };
        var command = new Command("runbook", "Write each host's bring-up runbook (Markdown): firmware checklist, every command in order with the rendered files, reboot point, verification, pocket checklist, troubleshooting.")
        {
            inventory, limit, output, noVms,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(inventory)!;
            if (HostSelection.Load(path, parse.GetValue(limit), io) is not var (loaded, hosts))
            {
                return ExitCodes.Error;
            }

            if (hosts.FirstOrDefault(h => h.Os == OsFamily.Auto) is { } auto)
            {
                io.Error.WriteLine($"error: host {auto.Name} has os: auto; a runbook's commands differ per OS: set its os (el7, el8, el9, debian, ubuntu) in {path}");
                return ExitCodes.Error;
            }

            using var templates = InventoryPipeline.TemplatesFor(loaded);
            var documents = new List<string>();
            foreach (var host in hosts)
            {
                var (desired, errors) = DesiredStateBuilder.BuildOne(host, templates);
                if (errors.Count > 0)
                {
                    DiagnosticPrinter.Print(errors, io.Error);
                    return ExitCodes.Error;
                }

                var view = RunbookBuilder.View(parse.GetValue(noVms) ? desired with { Vms = [] } : desired, Path.GetFileName(path));
                documents.Add(RunbookBuilder.Render(view, templates));
            }

            var text = string.Join("\n---\n\n", documents);
            if (parse.GetValue(output) is { } file)
            {
                File.WriteAllText(file, text);
                io.Error.WriteLine($"Wrote the runbook of {hosts.Count} host(s) to {file}.");
            }
            else
            {
                io.Out.Write(text);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
