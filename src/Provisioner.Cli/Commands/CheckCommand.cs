using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Planning;
using Provisioner.Remote.Checks;
using Provisioner.Remote.Sessions;
using Provisioner.Remote.Ssh;

namespace Provisioner.Cli.Commands;

/// <summary>
/// `provision check FILE`: the pocket checklist on every host, read-only: each check of the
/// catalogue as pass / warn / fail / skip with its fix. Exit 1 on any FAIL or unreachable host
/// (--strict: on any WARN too).
/// </summary>
internal static class CheckCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = CommonOptions.Inventory();
        var json = new Option<bool>("--json") { Description = "Print the results as JSON (format_version 2) on stdout." };
        var strict = new Option<bool>("--strict") { Description = "Exit 1 on warnings too." };
        var limit = CommonOptions.Limit();
        var parallel = CommonOptions.Parallel("Hosts checked at once.");
        var noVms = new Option<bool>("--no-vms") { Description = "Hosts only: skip the worker VM checks (libvirt, domains, guests)." };
        var command = new Command("check", "Run the bring-up checklist on every host (read-only): pass / warn / fail with the fix for each item.")
        {
            inventory, json, strict, limit, parallel, noVms,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var withVms = !parse.GetValue(noVms);
            var opened = await HostSessions.OpenAsync(parse.GetValue(inventory)!, parse.GetValue(limit), parse.GetValue(parallel), withVms,
                VmReplacement.None, io, cancellationToken, deepFacts: true).ConfigureAwait(false);
            if (opened is null)
            {
                return ExitCodes.Error;
            }

            var (sessions, plan) = opened.Value;
            var failures = plan.Failures.ToList();
            var reports = new List<HostCheckReport>();
            try
            {
                foreach (var outcome in await Task.WhenAll(sessions.Select(s => CheckAsync(s, withVms, io.Time, cancellationToken))).ConfigureAwait(false))
                {
                    if (outcome.Report is { } report)
                    {
                        reports.Add(report);
                    }
                    else
                    {
                        failures.Add(outcome.Failure!);
                    }
                }
            }
            finally
            {
                foreach (var session in sessions)
                {
                    session.Dispose();
                }
            }

            var ordered = reports.OrderBy(r => r.Host, StringComparer.Ordinal).ToList();
            if (parse.GetValue(json))
            {
                io.Out.Write(CheckReportWriter.ToJson(ordered, failures));
            }
            else
            {
                CheckReportWriter.Write(ordered, failures, io.Out, io.OutIsTerminal);
            }

            var bad = failures.Count > 0 || ordered.Any(r => r.Failed) || (parse.GetValue(strict) && ordered.Any(r => r.Warned));
            return bad ? ExitCodes.Error : ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(HostCheckReport? Report, HostFailure? Failure)> CheckAsync(HostSession session, bool withVms, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            return (await HostCheckRunner.RunAsync(session, withVms, time, cancellationToken).ConfigureAwait(false), null);
        }
        catch (RemoteException e)
        {
            return (null, new HostFailure(session.Host.Name, e.Detail, e.Fix));
        }
    }
}
