using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Sessions;
using Provisioner.Remote.Ssh;
using Serilog;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Carries out the plans the user confirmed on their still-open connections, hosts in parallel
/// (at most <see cref="ApplyOptions.Parallel"/>), reboots rolling (at most
/// <see cref="ApplyOptions.MaxUnavailable"/> hosts down at once). Per host: lock, then each of the
/// plan's <see cref="HostStep"/>s in order and as they are (never planned again), then unlock.
/// A post-condition that does not hold stops the host's remaining steps. A host with nothing to
/// do costs no command at all: it is verified on the facts its plan was made from. Every
/// failure is that host's outcome.
/// </summary>
public sealed class ApplyRunner(ApplyOptions options, TimeProvider time, IApplyObserver observer, ILogger log)
{
    public async Task<IReadOnlyList<HostOutcome>> ExecuteAsync(IReadOnlyList<HostSession> sessions, CancellationToken cancellationToken)
    {
        using var hostGate = new SemaphoreSlim(Math.Max(1, options.Parallel));
        using var rebootGate = new SemaphoreSlim(Math.Max(1, options.MaxUnavailable));
        return await Task.WhenAll(sessions.Select(async session =>
        {
            await hostGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await ApplyHostAsync(session, rebootGate, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                hostGate.Release();
            }
        })).ConfigureAwait(false);
    }

    private async Task<HostOutcome> ApplyHostAsync(HostSession session, SemaphoreSlim rebootGate, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var plan = session.Plan;
        var hostLog = log.ForContext("Host", session.Host.Name).ForContext("Run", options.RunId);
        HostOutcome Outcome(HostStatus status, bool rebooted, IReadOnlyList<Finding> verification, string? error = null, string? fix = null) =>
            new(session.Host.Name, status, plan.Changes.Count(c => c.Action != ChangeAction.NoOp), rebooted, error, fix, verification, time.GetElapsedTime(started));

        if (plan.Blocked)
        {
            hostLog.Warning("Blocked by pre-flight: {Findings}", plan.Findings.Where(f => f.Blocks).Select(f => f.Message));
            return Outcome(HostStatus.Blocked, false, []);
        }

        if (!plan.HasWork)
        {
            // Nothing to change: the facts we planned from are fresh enough to verify on.
            var findings = Verifier.Verify(session.Desired, session.Facts);
            hostLog.Information("No changes; verification {Result}", findings.Count == 0 ? "passed" : "failed");
            return findings.Count == 0 ? Outcome(HostStatus.Unchanged, false, [])
                : Outcome(HostStatus.Failed, false, findings, "no changes planned, but the post-conditions do not hold", findings[0].Fix);
        }

        var run = new HostRun(session, hostLog);
        try
        {
            var stale = await HostLock.AcquireAsync(session.Connection, options.RunId, options.Holder, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            run.Locked = true;
            if (stale is not null)
            {
                observer.Warning(session.Host.Name, "took over a stale lock: " + stale);
                hostLog.Warning("Took over a stale host lock: {Owner}", stale);
            }

            Passed(run, ApplyStep.Locked, options.RunId);
            var steps = plan.Steps;
            for (var i = 0; i < steps.Count && run.Problems.Count == 0; i++)
            {
                if (steps[i] is RunTrigger)
                {
                    // Consecutive triggers are one command (and one report), as the plan lists them.
                    var triggers = steps.Skip(i).TakeWhile(s => s is RunTrigger).Cast<RunTrigger>().ToList();
                    var ran = await TriggerRunner.RunAsync(session.Connection, triggers, session.Desired.Os, session.Sudo, options.LongCommandTimeout, cancellationToken).ConfigureAwait(false);
                    Passed(run, ApplyStep.TriggersRan, string.Join(", ", ran));
                    i += triggers.Count - 1;
                    continue;
                }

                await RunStepAsync(run, steps[i], rebootGate, cancellationToken).ConfigureAwait(false);
            }

            await HostLock.ReleaseAsync(session.Connection, options.RunId, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            run.Locked = false;
            Passed(run, ApplyStep.Unlocked, options.RunId);
            return run.Problems.Count == 0
                ? Outcome(HostStatus.Applied, run.Rebooted, [])
                : Outcome(HostStatus.Failed, run.Rebooted, run.Problems, run.ProblemSummary, run.Problems[0].Fix);
        }
        catch (RemoteException e)
        {
            hostLog.Error("Apply failed: {Detail}", e.Detail);
            run.ReleaseRebootSlot(rebootGate);
            if (run.Locked)
            {
                await TryReleaseAsync(session, hostLog).ConfigureAwait(false);
            }

            return Outcome(HostStatus.Failed, run.Rebooted, [], e.Detail, e.Fix);
        }
        finally
        {
            run.ReleaseRebootSlot(rebootGate);
        }
    }

    /// <summary>One step of the confirmed plan, as it is: the plan is never made again here.</summary>
    private async Task RunStepAsync(HostRun run, HostStep step, SemaphoreSlim rebootGate, CancellationToken cancellationToken)
    {
        var session = run.Session;
        switch (step)
        {
            case InstallPackages packages:
                await RunAsync(session.Connection, StepScripts.Packages(packages, session.Desired.Os), session.Sudo, options.LongCommandTimeout, "installing packages", cancellationToken).ConfigureAwait(false);
                Passed(run, ApplyStep.PackagesInstalled, string.Join(' ', packages.Packages));
                break;
            case WriteFiles files:
                var written = await FileBatch.WriteAsync(session.Connection, files.Files, options.RunId, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                Passed(run, ApplyStep.FilesWritten, $"{written.Count} file(s), previous versions in {StepScripts.BackupRoot}/{options.RunId}");
                break;
            case StartServices services:
                await RunAsync(session.Connection, StepScripts.Services(services), session.Sudo, options.CommandTimeout, "starting services", cancellationToken).ConfigureAwait(false);
                Passed(run, ApplyStep.ServicesStarted, string.Join(' ', services.Services));
                break;
            case Reboot reboot:
                // Held until the host is back and verified (or has failed): rolling, not all at once.
                await rebootGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                run.HoldsRebootSlot = true;
                await HostLock.LeaseForRebootAsync(session.Connection, options.RunId, options.RebootTimeout + TimeSpan.FromMinutes(5), session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                Passed(run, ApplyStep.Rebooting, reboot.Reason);
                var orchestrator = new RebootOrchestrator(time, options.RebootPollInterval, options.ConnectTimeout, options.CommandTimeout);
                session.Connection = await orchestrator.RebootAsync(session.Connection, session.Sudo, options.RebootTimeout, cancellationToken).ConfigureAwait(false);
                run.Rebooted = true;
                await HostLock.AcquireAsync(session.Connection, options.RunId, options.Holder, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                Passed(run, ApplyStep.Rebooted, "new boot_id");
                break;
            case VerifyHost:
                run.Facts = await FactProbe.ProbeAsync(session.Connection, session.Scope, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                var findings = Verifier.Verify(session.Desired, run.Facts);
                Passed(run, ApplyStep.Verified, findings.Count == 0 ? "post-conditions hold" : $"{findings.Count} post-condition(s) failed");
                run.Fail(findings, "applied, but the post-conditions do not hold");
                run.ReleaseRebootSlot(rebootGate);
                break;
            case RemoveDomain remove:
                if (await LibvirtReadyAsync(run, cancellationToken).ConfigureAwait(false) is { } old)
                {
                    // Deliberate replacement: the old domain goes first (its disks are moved aside or deleted by the storage step).
                    await Task.Run(() => Libvirt.WorkerDomains.Remove(old, remove.Vm, session.Host.Name), cancellationToken).ConfigureAwait(false);
                    run.Log.Warning("Replaced domain {Vm} (--recreate)", remove.Vm);
                }

                break;
            case PrepareVmStorage storage:
                if (await LibvirtReadyAsync(run, cancellationToken).ConfigureAwait(false) is not null)
                {
                    if (storage.SeedFiles is { Count: > 0 } seeds)
                    {
                        await FileBatch.WriteAsync(session.Connection, seeds, options.RunId, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                    }

                    await VmStorage.PrepareAsync(session.Connection, storage.Work, options.RunId, session.Sudo, options.LongCommandTimeout, cancellationToken).ConfigureAwait(false);
                }

                break;
            case ApplyDomain domain:
                if (await LibvirtReadyAsync(run, cancellationToken).ConfigureAwait(false) is { } libvirt)
                {
                    await Task.Run(() => Libvirt.WorkerDomains.ApplyAsync(libvirt, domain.Work, time, options.VmShutdownTimeout, session.Host.Name, cancellationToken), cancellationToken).ConfigureAwait(false);
                    run.ChangedVms++;
                }

                break;
            case VerifyVms:
                if (await LibvirtReadyAsync(run, cancellationToken).ConfigureAwait(false) is not null)
                {
                    run.Fail(await VerifyVmsAsync(run, cancellationToken).ConfigureAwait(false), "applied, but the post-conditions do not hold");
                }

                break;
            default:
                throw new InvalidOperationException("apply has no way to run a " + step.GetType().Name);
        }
    }

    /// <summary>libvirt on the host, or null (and the run failed) when no daemon listens after the host steps.</summary>
    private static async Task<Libvirt.LibvirtConnection?> LibvirtReadyAsync(HostRun run, CancellationToken cancellationToken)
    {
        var facts = run.Facts ?? run.Session.Facts;
        if (facts.LibvirtSocket is null && run.Session.Host.LibvirtUri is null)
        {
            run.Fail([new Finding(true, "no libvirt daemon listens on the host after apply", "start it (systemctl enable --now libvirtd) and re-run apply")], "applied, but the post-conditions do not hold");
            return null;
        }

        return await run.Session.LibvirtAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The catalogue's VM checks (vm-running, guest-gpu): each VM running with autostart; its
    /// guest agent, where the guest runs one, answers (one not connected yet, no agent in the
    /// image or still booting, is reported, not failed); where it answers and a GPU is passed
    /// through, the GPU shows inside the guest exactly once.
    /// </summary>
    private async Task<IReadOnlyList<Finding>> VerifyVmsAsync(HostRun run, CancellationToken cancellationToken)
    {
        var session = run.Session;
        var facts = await session.WithDomainsAsync(run.Facts ?? session.Facts, cancellationToken).ConfigureAwait(false);
        var guests = await Checks.GuestReports.ReadAsync(session, time, cancellationToken).ConfigureAwait(false);
        var failures = Verifier.VerifyVms(session.Desired, facts, guests);
        var silent = guests.Count(g => g.Value.AgentProblem == "not connected");
        Passed(run, ApplyStep.VmsReady, failures.Count == 0
            ? $"{session.Desired.Vms.Count} VM(s) running with autostart" + (run.ChangedVms > 0 ? $" ({run.ChangedVms} changed)" : "")
                + $"; guest agent answering in {guests.Count - silent}, not connected (yet) in {silent}"
            : $"{failures.Count} VM problem(s)");
        return failures;
    }

    /// <summary>One host's apply in progress: what has happened so far, for the outcome and for the steps that follow.</summary>
    private sealed class HostRun(HostSession session, ILogger log)
    {
        public HostSession Session { get; } = session;

        public ILogger Log { get; } = log;

        public bool Locked { get; set; }

        public bool Rebooted { get; set; }

        public bool HoldsRebootSlot { get; set; }

        public int ChangedVms { get; set; }

        /// <summary>The facts read by the verify step (null before it: the plan's facts stand).</summary>
        public Core.Facts.HostFacts? Facts { get; set; }

        /// <summary>Post-conditions that do not hold: the remaining steps are skipped.</summary>
        public List<Finding> Problems { get; } = [];

        public string? ProblemSummary { get; private set; }

        public void Fail(IReadOnlyList<Finding> findings, string summary)
        {
            if (findings.Count > 0 && Problems.Count == 0)
            {
                Problems.AddRange(findings);
                ProblemSummary = summary;
            }
        }

        public void ReleaseRebootSlot(SemaphoreSlim gate)
        {
            if (HoldsRebootSlot)
            {
                HoldsRebootSlot = false;
                gate.Release();
            }
        }
    }

    private void Passed(HostRun run, ApplyStep step, string detail)
    {
        run.Log.Information("{Step}: {Detail}", step, detail);
        observer.Passed(run.Session.Host.Name, step, detail);
    }

    private static async Task RunAsync(IHostShell connection, string command, bool sudo, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var result = await connection.RunScriptAsync(command, sudo, timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RemoteException(connection.HostName, $"{what} failed (exit {result.ExitCode}): '{command}': {result.LastErrorLines()}",
                "fix the cause on the host (package mirror, unit name) and re-run apply: finished steps are not repeated");
        }
    }

    private async Task TryReleaseAsync(HostSession session, ILogger hostLog)
    {
        try
        {
            using var limit = new CancellationTokenSource(options.CommandTimeout);
            await HostLock.ReleaseAsync(session.Connection, options.RunId, session.Sudo, options.CommandTimeout, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RemoteException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone: the next run sees the lock as stale (its session died).
            hostLog.Warning("Could not release the host lock: {Reason}", e.Message);
        }
    }

}
