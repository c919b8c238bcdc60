using System.Collections.Concurrent;
using System.CommandLine;
using Provisioner.Core.Planning;

namespace Provisioner.Cli.Commands;

/// <summary>`provision plan FILE --offline`: what would change on every host, and why.</summary>
internal static class PlanCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = CommonOptions.Inventory();
        var offline = new Option<bool>("--offline") { Description = "Plan without contacting hosts: every host is assumed empty." };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON (format_version 2) on stdout." };
        var diff = new Option<bool>("--diff") { Description = "Show new files in full and changed files as unified diffs (sensitive ones stay hidden); list unchanged resources too." };
        var outFile = new Option<string?>("-out", "--out") { Description = "Also save the plan as JSON to this file." };
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 0 when nothing would change, 2 when something would, 1 on error." };
        var limit = CommonOptions.Limit();
        var parallel = CommonOptions.Parallel("Hosts contacted at once (live plan).");
        var noVms = CommonOptions.NoVms();
        var recreate = CommonOptions.Recreate();
        var deleteDisks = CommonOptions.DeleteDisks();
        var command = new Command("plan", "Show what would change on every host, and why: live (facts read over SSH) or --offline.")
        {
            inventory, offline, json, diff, outFile, detailed, limit, parallel, noVms, recreate, deleteDisks,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(inventory)!;
            if (!parse.GetValue(offline))
            {
                var live = await HostSessions.RunAsync(path, parse.GetValue(limit), parse.GetValue(parallel), !parse.GetValue(noVms), VmReplacement.Parse(parse.GetValue(recreate), parse.GetValue(deleteDisks)), io, cancellationToken).ConfigureAwait(false);
                return live is null ? ExitCodes.Error : Report(live, parse, json, diff, outFile, detailed, io);
            }

            // Each host is planned as soon as it is rendered; content is kept only if it will be shown.
            var withContent = parse.GetValue(diff) || parse.GetValue(json) || parse.GetValue(outFile) is not null;
            var hostPlans = new ConcurrentDictionary<int, HostPlan>();
            if (InventoryRun.Run(path, parse.GetValue(limit), io, (index, host) => hostPlans[index] = HostPlanner.PlanHostOffline(host, withContent)) is null)
            {
                return ExitCodes.Error;
            }

            var plan = new Plan(Plan.CurrentFormatVersion, path, Offline: true, [.. hostPlans.OrderBy(p => p.Key).Select(p => p.Value)], []);
            return Report(plan, parse, json, diff, outFile, detailed, io);
        });
        return command;
    }

    private static int Report(Plan plan, ParseResult parse, Option<bool> json, Option<bool> diff, Option<string?> outFile, Option<bool> detailed, CliIo io)
    {
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

        if (plan.HasErrors)
        {
            return ExitCodes.Error;
        }

        return parse.GetValue(detailed) && plan.HasChanges ? ExitCodes.Changes : ExitCodes.Success;
    }
}
