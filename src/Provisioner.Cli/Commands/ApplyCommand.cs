using System.CommandLine;
using Provisioner.Cli.Output;
using Provisioner.Core.Planning;
using Provisioner.Remote.Apply;
using Provisioner.Remote.Sessions;

namespace Provisioner.Cli.Commands;

/// <summary>
/// `provision apply FILE`: the live plan, a confirmation, then every host changed in parallel,
/// rebooted in rolling batches and verified. FILE is an inventory, or a plan saved with
/// `plan -out` (applied only where the hosts' facts and the plan are still what was saved).
/// </summary>
internal static class ApplyCommand
{
    public static Command Create(CliIo io)
    {
        var target = new Argument<string>("inventory-or-plan") { Description = "An inventory YAML file, or a plan saved with 'provision plan -out plan.json'." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply without asking for confirmation." };
        var limit = CommonOptions.Limit();
        var parallel = CommonOptions.Parallel("Hosts worked on at once.");
        var maxUnavailable = CommonOptions.InRange(new Option<int>("--max-unavailable") { Description = "Hosts rebooting at once (rolling reboots).", DefaultValueFactory = _ => 1 }, 1, 1000);
        var rebootTimeout = CommonOptions.InRange(new Option<int>("--reboot-timeout") { Description = "Seconds to wait for a host to come back with a new boot_id.", DefaultValueFactory = _ => 600 }, 1, 86_400);
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 0 when nothing had to change, 2 when changes were applied, 1 on any error." };
        var logFile = new Option<string?>("--log-file") { Description = "Also write a JSON-lines log (one event per line, with host and run) to this file." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Write the detailed log to stderr too." };
        var noVms = CommonOptions.NoVms();
        var recreate = CommonOptions.Recreate();
        var deleteDisks = CommonOptions.DeleteDisks();
        var command = new Command("apply", "Change every host to its desired state: plan, confirm, apply in parallel, reboot rolling, verify.")
        {
            target, yes, limit, parallel, maxUnavailable, rebootTimeout, detailed, logFile, verbose, noVms, recreate, deleteDisks,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ApplySettings(parse.GetValue(target)!, parse.GetValue(yes), parse.GetValue(limit), parse.GetValue(parallel),
                parse.GetValue(maxUnavailable), TimeSpan.FromSeconds(parse.GetValue(rebootTimeout)),
                parse.GetValue(detailed), parse.GetValue(logFile), parse.GetValue(verbose), !parse.GetValue(noVms),
                VmReplacement.Parse(parse.GetValue(recreate), parse.GetValue(deleteDisks)));
            return await RunAsync(settings, io, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ApplySettings settings, CliIo io, CancellationToken cancellationToken)
    {
        SavedPlan? saved = null;
        var inventory = settings.Target;
        if (settings.Target.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                saved = SavedPlan.Parse(await File.ReadAllTextAsync(settings.Target, cancellationToken).ConfigureAwait(false), settings.Target);
                inventory = saved.Inventory;
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                io.Error.WriteLine("error: " + e.Message);
                return ExitCodes.Error;
            }
        }

        var opened = await HostSessions.OpenAsync(inventory, settings.Limit, settings.Parallel, settings.WithVms, settings.Replacement, io, cancellationToken,
            saved is null ? null : h => saved.Hosts.ContainsKey(h.Name)).ConfigureAwait(false);
        if (opened is null)
        {
            return ExitCodes.Error;
        }

        var (sessions, plan) = opened.Value;
        try
        {
            var failures = plan.Failures.ToList();
            if (saved is not null)
            {
                sessions = Refuse(sessions, saved, failures);
                plan = plan with { Hosts = [.. sessions.Select(s => s.Plan)], Failures = failures };
            }

            PlanTextWriter.Write(plan, io.Out, showContent: false);
            await io.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            var work = sessions.Any(s => s.Plan.HasWork && !s.Plan.Blocked);
            if (work && !settings.Yes && saved is null && !await ConfirmAsync(io, sessions.Count(s => s.Plan.HasWork && !s.Plan.Blocked), cancellationToken).ConfigureAwait(false))
            {
                io.Error.WriteLine("Apply cancelled: nothing was changed.");
                return ExitCodes.Error;
            }

            var run = RunIds.New(io.Time.GetUtcNow());
            using var log = ApplyLog.Create(settings.LogFile, settings.Verbose);
            var progress = new ConsoleProgress(io.Error, io.ErrorIsTerminal);
            var options = new ApplyOptions(run, $"{Environment.UserName}@{Environment.MachineName}", settings.Parallel, settings.MaxUnavailable,
                HostSessions.CommandTimeout, TimeSpan.FromMinutes(30), settings.RebootTimeout, TimeSpan.FromSeconds(1), HostSessions.ConnectTimeout);
            var outcomes = await new ApplyRunner(options, io.Time, progress, log).ExecuteAsync(sessions, cancellationToken).ConfigureAwait(false);
            var all = outcomes.Concat(failures.Select(HostOutcome.FromFailure)).OrderBy(o => o.Host, StringComparer.Ordinal).ToList();
            ApplySummary.Write(all, run, io.Out, io.OutIsTerminal);
            if (all.Any(o => o.Status is HostStatus.Failed or HostStatus.Blocked))
            {
                return ExitCodes.Error;
            }

            return settings.DetailedExitCode && all.Any(o => o.Status == HostStatus.Applied) ? ExitCodes.Changes : ExitCodes.Success;
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    /// <summary>
    /// A saved plan is applied to a host only if planning again sees the same host key and facts
    /// and gives the same plan; otherwise that host is refused (the others go on).
    /// </summary>
    private static List<HostSession> Refuse(IReadOnlyList<HostSession> sessions, SavedPlan saved, List<HostFailure> failures)
    {
        var kept = new List<HostSession>();
        foreach (var session in sessions)
        {
            var reason = saved.Refusal(session.Plan);
            if (reason is null)
            {
                kept.Add(session);
                continue;
            }

            failures.Add(new HostFailure(session.Host.Name, "saved plan refused: " + reason, "make a new plan (provision plan INVENTORY -out plan.json), review it, apply that"));
            session.Dispose();
        }

        return kept;
    }

    /// <summary>Asks on stdin; only "yes" applies (as Terraform does). No answer (end of input) is a no.</summary>
    private static async Task<bool> ConfirmAsync(CliIo io, int hosts, CancellationToken cancellationToken)
    {
        io.Error.Write($"Apply these changes to {hosts} host(s)? Only 'yes' will be accepted: ");
        await io.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (io.In is null)
        {
            io.Error.WriteLine();
            io.Error.WriteLine("error: no input to confirm from: pass --yes to apply without asking");
            return false;
        }

        var answer = await io.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return answer?.Trim() == "yes";
    }

    private sealed record ApplySettings(string Target, bool Yes, string? Limit, int Parallel, int MaxUnavailable, TimeSpan RebootTimeout,
        bool DetailedExitCode, string? LogFile, bool Verbose, bool WithVms, VmReplacement Replacement);
}
