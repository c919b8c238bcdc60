using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Pipeline;
using Provisioner.Core.Planning;

namespace Provisioner.Cli.Commands;

/// <summary>`provision plan FILE --offline`: what would change on every host, and why.</summary>
internal static class PlanCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = CommonOptions.Inventory();
        var offline = new Option<bool>("--offline") { Description = "Plan without contacting hosts: every host is assumed empty." };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON (format_version 1) on stdout." };
        var diff = new Option<bool>("--diff") { Description = "Show the content of every file and document (sensitive ones stay hidden)." };
        var outFile = new Option<string?>("-out", "--out") { Description = "Also save the plan as JSON to this file." };
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 0 when nothing would change, 2 when something would, 1 on error." };
        var command = new Command("plan", "Show what would change on every host, and why.") { inventory, offline, json, diff, outFile, detailed };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(inventory)!;
            if (!parse.GetValue(offline))
            {
                io.Error.WriteLine("error: a live plan reads each host's facts over SSH, which this build cannot do yet; run 'provision plan --offline' to plan for empty hosts.");
                return ExitCodes.Error;
            }

            var load = InventoryLoader.LoadFile(path);
            if (load.Inventory is null)
            {
                DiagnosticPrinter.Print(load.Diagnostics, io.Error);
                return ExitCodes.Error;
            }

            // Each host is planned as soon as it is rendered; content is kept only if it will be shown.
            var withContent = parse.GetValue(diff) || parse.GetValue(json) || parse.GetValue(outFile) is not null;
            var hostPlans = new HostPlan[load.Inventory.Hosts.Count];
            using var templates = InventoryPipeline.TemplatesFor(load.Inventory);
            var errors = DesiredStateBuilder.BuildEach(load.Inventory, templates,
                (index, host) => hostPlans[index] = Planner.PlanHostOffline(host, withContent));
            DiagnosticPrinter.Print([.. load.Diagnostics, .. errors], io.Error);
            if (errors.Count > 0)
            {
                return ExitCodes.Error;
            }

            var plan = new Plan(Plan.CurrentFormatVersion, path, Offline: true, hostPlans);
            if (parse.GetValue(json))
            {
                io.Out.Write(PlanJsonWriter.ToJson(plan));
            }
            else
            {
                PlanTextWriter.Write(plan, io.Out, parse.GetValue(diff));
            }

            if (parse.GetValue(outFile) is { } saveTo)
            {
                File.WriteAllText(saveTo, PlanJsonWriter.ToJson(plan));
            }

            return parse.GetValue(detailed) && plan.HasChanges ? ExitCodes.Changes : ExitCodes.Success;
        });
        return command;
    }
}
