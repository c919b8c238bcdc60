using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Planning;
using Provisioner.Remote.Ssh;
using Serilog;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Carries out live plans on their still-open connections, hosts in parallel (at most
/// <see cref="ApplyOptions.Parallel"/>), reboots rolling (at most <see cref="ApplyOptions.MaxUnavailable"/>
/// hosts down at once). Per host, in order: lock, packages, files (atomic, backed up), triggers,
/// services, reboot, fresh facts, verify, unlock. A host with nothing to do costs no command at all:
/// it is verified on the facts its plan was made from. Every failure is that host's outcome.
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
        HostOutcome Outcome(HostStatus status, bool rebooted, IReadOnlyList<Finding> verification, string? error = null, string? hint = null) =>
            new(session.Host.Name, status, plan.Changes.Count(c => c.Action != ChangeAction.NoOp), rebooted, error, hint, verification, time.GetElapsedTime(started));

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
                : Outcome(HostStatus.Failed, false, findings, "no changes planned, but the post-conditions do not hold", findings[0].Hint);
        }

        var rebooted = false;
        var locked = false;
        try
        {
            var stale = await HostLock.AcquireAsync(session.Connection, options.RunId, options.Holder, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            locked = true;
            if (stale is not null)
            {
                observer.Warning(session.Host.Name, "took over a stale lock: " + stale);
                hostLog.Warning("Took over a stale host lock: {Owner}", stale);
            }

            Passed(session, hostLog, ApplyStep.Locked, options.RunId);
            await ChangeAsync(session, hostLog, cancellationToken).ConfigureAwait(false);

            if (plan.RebootReason is not null)
            {
                await rebootGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await HostLock.LeaseForRebootAsync(session.Connection, options.RunId, options.RebootTimeout + TimeSpan.FromMinutes(5), session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                    Passed(session, hostLog, ApplyStep.Rebooting, plan.RebootReason);
                    var orchestrator = new RebootOrchestrator(time, options.RebootPollInterval, options.ConnectTimeout, options.CommandTimeout);
                    session.Connection = await orchestrator.RebootAsync(session.Connection, session.Sudo, options.RebootTimeout, cancellationToken).ConfigureAwait(false);
                    rebooted = true;
                    await HostLock.AcquireAsync(session.Connection, options.RunId, options.Holder, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                    Passed(session, hostLog, ApplyStep.Rebooted, "new boot_id");
                    return await VerifyAsync(session, hostLog, Outcome, rebooted, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // The slot frees once the host is back and verified (or has failed): rolling, not all at once.
                    rebootGate.Release();
                }
            }

            return await VerifyAsync(session, hostLog, Outcome, rebooted, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteException e)
        {
            hostLog.Error("Apply failed: {Detail}", e.Detail);
            if (locked)
            {
                await TryReleaseAsync(session, hostLog).ConfigureAwait(false);
            }

            return Outcome(HostStatus.Failed, rebooted, [], e.Detail, e.Hint);
        }
    }

    /// <summary>Packages, files, triggers, services: each one command, skipped when the plan has nothing for it.</summary>
    private async Task ChangeAsync(HostSession session, ILogger hostLog, CancellationToken cancellationToken)
    {
        var plan = session.Plan;
        var connection = session.Connection;
        var os = session.Desired.Os;
        if (plan.Changes.FirstOrDefault(c => c.Type == "packages" && c.Action != ChangeAction.NoOp) is { } packages)
        {
            var install = HostCommands.InstallPackages(os, packages.Id.Split(' '));
            await RunAsync(connection, install, session.Sudo, options.LongCommandTimeout, "installing packages", cancellationToken).ConfigureAwait(false);
            Passed(session, hostLog, ApplyStep.PackagesInstalled, packages.Id);
        }

        var changedPaths = plan.Changes.Where(c => c.Type == "file" && c.Action != ChangeAction.NoOp).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        if (changedPaths.Count > 0)
        {
            var files = session.Desired.Files.Where(f => changedPaths.Contains(f.Path)).ToList();
            var written = await FileBatch.WriteAsync(connection, files, options.RunId, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            Passed(session, hostLog, ApplyStep.FilesWritten, $"{written.Count} file(s), previous versions in {FileBatch.BackupRoot}/{options.RunId}");
        }

        if (plan.TriggerKinds.Any(t => t != Trigger.Reboot))
        {
            var ran = await TriggerRunner.RunAsync(connection, plan.TriggerKinds, os, HostPaths.Default, session.Sudo, options.LongCommandTimeout, cancellationToken).ConfigureAwait(false);
            Passed(session, hostLog, ApplyStep.TriggersRan, string.Join(", ", ran));
        }

        if (plan.Changes.FirstOrDefault(c => c.Type == "service" && c.Action != ChangeAction.NoOp) is { } services)
        {
            await RunAsync(connection, HostCommands.StartServices(services.Id.Split(' ')), session.Sudo, options.CommandTimeout, "starting services", cancellationToken).ConfigureAwait(false);
            Passed(session, hostLog, ApplyStep.ServicesStarted, services.Id);
        }
    }

    private async Task<HostOutcome> VerifyAsync(HostSession session, ILogger hostLog, Func<HostStatus, bool, IReadOnlyList<Finding>, string?, string?, HostOutcome> outcome,
        bool rebooted, CancellationToken cancellationToken)
    {
        var facts = await FactProbe.ProbeAsync(session.Connection, session.Scope, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        var findings = Verifier.Verify(session.Desired, facts).ToList();
        Passed(session, hostLog, ApplyStep.Verified, findings.Count == 0 ? "post-conditions hold" : $"{findings.Count} post-condition(s) failed");
        if (findings.Count == 0 && session.Desired.Vms.Count > 0)
        {
            // The GPUs are bound: now their worker VMs.
            findings.AddRange(await VmsAsync(session, facts, hostLog, cancellationToken).ConfigureAwait(false));
        }
        await HostLock.ReleaseAsync(session.Connection, options.RunId, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        Passed(session, hostLog, ApplyStep.Unlocked, options.RunId);
        return findings.Count == 0
            ? outcome(HostStatus.Applied, rebooted, [], null, null)
            : outcome(HostStatus.Failed, rebooted, findings, "applied, but the post-conditions do not hold", findings[0].Hint);
    }

    /// <summary>Images, disks, seeds, then each domain; returns what does not hold afterwards (a VM not running or without autostart).</summary>
    private async Task<IReadOnlyList<Finding>> VmsAsync(HostSession session, Core.Facts.HostFacts facts, ILogger hostLog, CancellationToken cancellationToken)
    {
        if (facts.LibvirtSocket is null && session.Host.LibvirtUri is null)
        {
            return [new Finding(true, "no libvirt daemon listens on the host after apply", "start it (systemctl enable --now libvirtd) and re-run apply")];
        }

        facts = await session.WithDomainsAsync(facts, cancellationToken).ConfigureAwait(false);
        var (work, _, vmFindings) = VmPlanner.Plan(session.Desired, facts, options.Replacement);
        var blocked = vmFindings.Where(f => f.Blocks).ToList();
        if (blocked.Count > 0)
        {
            return blocked;
        }

        foreach (var item in work.Where(w => w.Replace))
        {
            // Deliberate replacement: the old domain goes first (its disks are moved aside or deleted by VmStorage).
            var old = await session.LibvirtAsync(cancellationToken).ConfigureAwait(false);
            await Task.Run(() => Libvirt.WorkerDomains.Remove(old, item.Vm.Vm.Name, session.Host.Name), cancellationToken).ConfigureAwait(false);
            hostLog.Warning("Replaced domain {Vm} (--recreate)", item.Vm.Vm.Name);
        }

        if (work.Count > 0)
        {
            var seedFiles = work.Where(w => w.BuildSeed).SelectMany(w => VmFiles.Seed(w.Vm)).ToList();
            if (seedFiles.Count > 0)
            {
                await FileBatch.WriteAsync(session.Connection, seedFiles, options.RunId, session.Sudo, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            }

            await VmStorage.PrepareAsync(session.Connection, work, options.RunId, session.Sudo, options.LongCommandTimeout, cancellationToken).ConfigureAwait(false);
            var libvirt = await session.LibvirtAsync(cancellationToken).ConfigureAwait(false);
            foreach (var item in work)
            {
                await Task.Run(() => Libvirt.WorkerDomains.ApplyAsync(libvirt, item, time, options.VmShutdownTimeout, session.Host.Name, cancellationToken), cancellationToken).ConfigureAwait(false);
            }

            facts = await session.WithDomainsAsync(facts, cancellationToken).ConfigureAwait(false);
        }

        // The catalogue's VM checks (vm-running, guest-gpu): each VM running with autostart; its
        // guest agent, where the guest runs one, answers (one not connected yet, no agent in the
        // image or still booting, is reported, not failed); where it answers and a GPU is passed
        // through, the GPU shows inside the guest exactly once.
        var guests = await Checks.GuestReports.ReadAsync(session, time, cancellationToken).ConfigureAwait(false);
        var failures = Verifier.VerifyVms(session.Desired, facts, guests);
        var silent = guests.Count(g => g.Value.AgentProblem == "not connected");

        Passed(session, hostLog, ApplyStep.VmsReady, failures.Count == 0
            ? $"{session.Desired.Vms.Count} VM(s) running with autostart" + (work.Count > 0 ? $" ({work.Count} changed)" : "")
                + $"; guest agent answering in {guests.Count - silent}, not connected (yet) in {silent}"
            : $"{failures.Count} VM problem(s)");
        return failures;
    }

    private void Passed(HostSession session, ILogger hostLog, ApplyStep step, string detail)
    {
        hostLog.Information("{Step}: {Detail}", step, detail);
        observer.Passed(session.Host.Name, step, detail);
    }

    private static async Task RunAsync(SshConnection connection, string command, bool sudo, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var result = await connection.RunScriptAsync(command, sudo, timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RemoteException(connection.Target.Name, $"{what} failed (exit {result.ExitCode}): '{command}': {result.LastErrorLines()}",
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
