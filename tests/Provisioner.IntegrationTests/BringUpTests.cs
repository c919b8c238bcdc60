using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Planning;
using Provisioner.Core.Templates;
using Provisioner.IntegrationTests.Support;
using Provisioner.Remote.Apply;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Ssh;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// The apply primitives composed, on a bare lab host: plan from facts, write what changed, run
/// the triggers, reboot (proven by boot_id), verify from fresh facts; then a second plan is empty.
/// (The lab base carries the packages a prepared host has; services are left to the apply command:
/// lab hosts run no systemd.)
/// </summary>
[Collection(LabCollection.Name)]
public sealed class BringUpTests(Lab lab)
{
    private readonly Lab _lab = lab;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static HostDesiredState Desired(string host)
    {
        var yaml = File.ReadAllText(Repo.Path("inventories", "lab.yaml")).Replace("  - name: h1\n    address: 127.0.2.1", $"  - name: {host}\n    address: {Lab.Address(host)}", StringComparison.Ordinal)
            .Replace("  os: auto", "  os: debian", StringComparison.Ordinal);
        var load = InventoryLoader.Load(yaml, "lab.yaml");
        Assert.True(load.Succeeded, string.Join("\n", load.Diagnostics));
        using var templates = new TemplateLibrary(Repo.Templates);
        var (state, errors) = DesiredStateBuilder.BuildOne(load.Inventory!.Hosts.Single(h => h.Name == host), templates);
        Assert.Empty(errors);
        return state with { Vms = [] }; // lab hosts without libvirt: the host bring-up only
    }

    private static Task<Core.Facts.HostFacts> Probe(IHostShell connection, HostDesiredState desired) =>
        FactProbe.ProbeAsync(connection, ProbeScope.For(desired), sudo: false, Timeout, CancellationToken.None);

    [Fact]
    public async Task BringUp_BareHost_VerifiesAfterOneRebootAndASecondPassChangesNothing()
    {
        var desired = Desired("h7");
        IHostShell connection = await SshConnection.ConnectAsync(Lab.Target("h7"), Timeout, CancellationToken.None);
        var plan = HostPlanner.PlanHost(desired, await Probe(connection, desired));
        Assert.False(plan.Blocked);
        Assert.DoesNotContain(plan.Changes, c => c.Type == "packages");
        Assert.NotEmpty(Verifier.Verify(desired, await Probe(connection, desired)));

        var run = RunIds.New(TimeProvider.System.GetUtcNow());
        await HostLock.AcquireAsync(connection, run, "test", sudo: false, Timeout, CancellationToken.None);
        var changed = desired.Files.Where(f => plan.Changes.Any(c => c.Type == "file" && c.Id == f.Path && c.Action != ChangeAction.NoOp)).ToList();
        await FileBatch.WriteAsync(connection, changed, run, sudo: false, Timeout, CancellationToken.None);
        var ran = await TriggerRunner.RunAsync(connection, [.. plan.Steps.OfType<RunTrigger>()], desired.Os, sudo: false, Timeout, CancellationToken.None);
        connection = await new RebootOrchestrator(TimeProvider.System, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10))
            .RebootAsync(connection, sudo: false, TimeSpan.FromSeconds(60), CancellationToken.None);
        var after = await Probe(connection, desired);
        await HostLock.ReleaseAsync(connection, run, sudo: false, Timeout, CancellationToken.None);

        Assert.Equal(["RegenerateGrub", "RebuildInitramfs", "ReserveHugepages"], ran);
        Assert.Empty(Verifier.Verify(desired, after));
        var second = HostPlanner.PlanHost(desired, after);
        Assert.Empty(second.TriggerKinds);
        Assert.Null(second.RebootReason);
        Assert.False(second.HasChanges, string.Join("\n", second.Changes.Where(c => c.Action != ChangeAction.NoOp).Select(c => $"{c.Type} {c.Id}: {c.Reason}")));
        Assert.Empty(second.Findings);
        Assert.Equal(["update-grub /boot/grub/grub.cfg", "update-initramfs -u -k all", "systemctl daemon-reload", "systemctl enable provision-hugepages.service", "systemctl restart provision-hugepages.service"], Lab.Ssh("h7", "cat /var/lib/lab/markers.log").Stdout.TrimEnd('\n').Split('\n'));
        connection.Dispose();
    }

    [Fact]
    public async Task Reboot_HostThatNeverComesBack_TimesOutForThatHostOnly()
    {
        // A host that hangs at boot: its reboot takes it down and it does not return.
        Lab.Ssh("h6", "printf '#!/bin/sh\\n( sleep 1; kill -TERM 1 ) >/dev/null 2>&1 &\\n' > /usr/sbin/reboot");
        var connection = await SshConnection.ConnectAsync(Lab.Target("h6"), Timeout, CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RemoteException>(() => new RebootOrchestrator(TimeProvider.System, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5))
            .RebootAsync(connection, sudo: false, TimeSpan.FromSeconds(4), CancellationToken.None));

        Assert.Contains("did not come back from its reboot within 4 s", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 3.5, 20);
        Lab.Run("up", "6"); // bring it back for the other tests (host-init restores the reboot stub)
        Assert.Equal(0, Lab.Ssh("h6", "true").ExitCode);
    }
}
