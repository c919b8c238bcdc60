using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Remote.Apply;
using Provisioner.Remote.Sessions;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Apply;

/// <summary>
/// Apply's orchestration against hand-written fake hosts (<see cref="FakeHost"/>): what runs, in
/// which order, what a failure stops, the lock, rolling reboots. The lab tests prove the same on
/// real sshd hosts; these run in milliseconds and reach the error paths a lab cannot provoke.
/// </summary>
public sealed class ApplyRunnerTests
{
    private static readonly IReadOnlyList<HostDesiredState> Fleet = Rendered.Hosts(Path.Combine(Repo.Fixtures, "fleet.yaml"));

    // The host side only: the VM steps need libvirt, which the lab and libvirt's test driver cover.
    private static HostDesiredState Debian => Fleet.Single(h => h.Host.Name == "deb-amd-01") with { Vms = [] };

    private static FakeHost Bare(string name = "deb-amd-01", FakeFleet? fleet = null) =>
        new(name, HostFactsFor.Fresh(Debian), HostFactsFor.Converged(Debian), fleet);

    private static HostSession Session(FakeHost host, HostPlan? plan = null)
    {
        var desired = Debian with { Host = Debian.Host with { Name = host.Name } };
        return HostSession.Planned(desired.Host, desired, host.Connect(), host.FactsNow, plan ?? HostPlanner.PlanHost(desired, host.FactsNow));
    }

    private static ApplyRunner Runner(Recorder observer, int maxUnavailable = 1, TimeSpan? rebootTimeout = null) =>
        new(new ApplyOptions("run-1", "test@here", Parallel: 8, maxUnavailable, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5),
            rebootTimeout ?? TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1)), TimeProvider.System, observer, Serilog.Core.Logger.None);

    [Fact]
    public async Task Apply_BareHost_RunsThePlansStepsInOrderRebootsOnceAndVerifies()
    {
        var host = Bare();
        var observer = new Recorder();

        var outcome = Assert.Single(await Runner(observer).ExecuteAsync([Session(host)], CancellationToken.None));

        Assert.True(outcome.Status == HostStatus.Applied, outcome.Error + string.Join("; ", outcome.Verification.Select(v => v.Message)));
        Assert.True(outcome.Rebooted);
        Assert.Equal(1, host.Reboots);
        Assert.Equal([ApplyStep.Locked, ApplyStep.PackagesInstalled, ApplyStep.FilesWritten, ApplyStep.TriggersRan,
            ApplyStep.Rebooting, ApplyStep.Rebooted, ApplyStep.Verified, ApplyStep.Unlocked], observer.Steps("deb-amd-01"));
        Assert.Contains(host.Scripts, s => s.Contains("update-grub >/dev/null", StringComparison.Ordinal) && s.Contains("update-initramfs -u -k all", StringComparison.Ordinal));
        Assert.Contains("read -r held rest < /var/lib/provision/lock/owner", host.Scripts[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_RunsThePlanAsConfirmed_AChangeToTheStepsIsWhatRuns()
    {
        var host = Bare();
        var session = Session(host);
        var plan = session.Plan;
        var onlyFile = plan.Steps.OfType<WriteFiles>().Single().Files[0];
        // Between display and execution: one package instead of the list, one file instead of all, no triggers.
        var edited = plan with
        {
            Steps = [.. plan.Steps.Where(s => s is not RunTrigger).Select(s => s switch
            {
                InstallPackages p => p with { Packages = ["only-this-package"] },
                WriteFiles w => w with { Files = [onlyFile] },
                _ => s,
            })],
        };
        var observer = new Recorder();

        await Runner(observer).ExecuteAsync([Session(host, edited)], CancellationToken.None);

        var install = Assert.Single(host.Scripts, s => s.Contains("apt-get install", StringComparison.Ordinal));
        Assert.Contains("--no-install-recommends only-this-package ||", install, StringComparison.Ordinal);
        var batch = Assert.Single(host.Scripts, s => s.Contains("printf 'written", StringComparison.Ordinal));
        Assert.Equal([onlyFile.Path], batch.Split('\n').Where(l => l.StartsWith("f=", StringComparison.Ordinal)).Select(FakeHost.FilePath));
        Assert.DoesNotContain(host.Scripts, s => s.Contains("printf 'ran", StringComparison.Ordinal));
        Assert.DoesNotContain(ApplyStep.TriggersRan, observer.Steps("deb-amd-01"));
    }

    [Fact]
    public async Task Apply_StepFails_HostFailsWithTheHostsWordsLockReleasedNothingAfterRuns()
    {
        var host = Bare();
        host.Fail.Add(("update-grub >/dev/null", new(1, "", "/usr/sbin/grub-mkconfig: error: out of disk space\n")));
        var observer = new Recorder();

        var outcome = Assert.Single(await Runner(observer).ExecuteAsync([Session(host)], CancellationToken.None));

        Assert.Equal(HostStatus.Failed, outcome.Status);
        Assert.Contains("'update-grub' failed (exit 1): /usr/sbin/grub-mkconfig: error: out of disk space", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("re-run apply", outcome.Fix, StringComparison.Ordinal);
        Assert.Equal(0, host.Reboots);
        Assert.DoesNotContain(host.Scripts, s => s.Contains("printf 'hostname", StringComparison.Ordinal));
        Assert.Contains("rm -rf /var/lib/provision/lock", host.Scripts[^1], StringComparison.Ordinal);
        Assert.Equal([ApplyStep.Locked, ApplyStep.PackagesInstalled, ApplyStep.FilesWritten], observer.Steps("deb-amd-01"));
    }

    [Fact]
    public async Task Apply_LockHeldByAnotherRun_TouchesNothing()
    {
        var host = Bare();
        host.Fail.Add(("mkdir \"$D\"", new(3, "20261201-101010-abcdef b-9 4242 0 ops@console\n", "")));
        var observer = new Recorder();

        var outcome = Assert.Single(await Runner(observer).ExecuteAsync([Session(host)], CancellationToken.None));

        Assert.Equal(HostStatus.Failed, outcome.Status);
        Assert.Equal("another apply holds the host lock: run 20261201-101010-abcdef by ops@console (boot b-9, sshd pid 4242)", outcome.Error);
        Assert.Single(host.Scripts);
        Assert.Empty(observer.Steps("deb-amd-01"));
    }

    [Fact]
    public async Task Apply_ThreeHostsOneUnavailableAtATime_RebootsRollOneByOne()
    {
        var fleet = new FakeFleet();
        var hosts = new[] { Bare("a", fleet), Bare("b", fleet), Bare("c", fleet) };
        var observer = new Recorder();

        var outcomes = await Runner(observer, maxUnavailable: 1).ExecuteAsync([.. hosts.Select(h => Session(h))], CancellationToken.None);

        Assert.All(outcomes, o => Assert.Equal(HostStatus.Applied, o.Status));
        Assert.All(hosts, h => Assert.Equal(1, h.Reboots));
        Assert.Equal(1, fleet.MostDownAtOnce);
        // Each host is verified before the next one goes down.
        var order = observer.Events.Where(e => e.Step is ApplyStep.Rebooting or ApplyStep.Verified).Select(e => e.Step).ToList();
        Assert.Equal([ApplyStep.Rebooting, ApplyStep.Verified, ApplyStep.Rebooting, ApplyStep.Verified, ApplyStep.Rebooting, ApplyStep.Verified], order);
    }

    [Fact]
    public async Task Apply_TwoUnavailableAllowed_TwoHostsMayBeDownTogether()
    {
        var fleet = new FakeFleet();
        var hosts = Enumerable.Range(0, 4).Select(i => new FakeHost("h" + i, HostFactsFor.Fresh(Debian), HostFactsFor.Converged(Debian), fleet) { DownForAttempts = 20 }).ToList();

        var outcomes = await Runner(new Recorder(), maxUnavailable: 2).ExecuteAsync([.. hosts.Select(h => Session(h))], CancellationToken.None);

        Assert.All(outcomes, o => Assert.Equal(HostStatus.Applied, o.Status));
        Assert.InRange(fleet.MostDownAtOnce, 1, 2);
    }

    [Fact]
    public async Task Apply_HostNeverComesBack_FailsThatHostOnlyAndTheOthersGoOn()
    {
        var fleet = new FakeFleet();
        var lost = new FakeHost("lost", HostFactsFor.Fresh(Debian), HostFactsFor.Converged(Debian), fleet) { NeverReturns = true };
        var fine = Bare("fine", fleet);

        var outcomes = await Runner(new Recorder(), rebootTimeout: TimeSpan.FromMilliseconds(300)).ExecuteAsync([Session(lost), Session(fine)], CancellationToken.None);

        var failed = outcomes.Single(o => o.Host == "lost");
        Assert.Equal(HostStatus.Failed, failed.Status);
        Assert.Contains("did not come back from its reboot", failed.Error, StringComparison.Ordinal);
        Assert.Equal(HostStatus.Applied, outcomes.Single(o => o.Host == "fine").Status);
    }

    [Fact]
    public async Task Apply_BackButNotOnVfio_FailsWithThePostConditionAndReleasesTheLock()
    {
        var converged = HostFactsFor.Converged(Debian);
        var host = new FakeHost("deb-amd-01", HostFactsFor.Fresh(Debian), converged with
        {
            PciDevices = [.. converged.PciDevices.Select(d => d.Class == "030000" ? d with { Driver = "nouveau" } : d)],
        });

        var outcome = Assert.Single(await Runner(new Recorder()).ExecuteAsync([Session(host)], CancellationToken.None));

        Assert.Equal(HostStatus.Failed, outcome.Status);
        Assert.Equal("applied, but the post-conditions do not hold", outcome.Error);
        Assert.Contains(outcome.Verification, f => f.Message.Contains("nouveau", StringComparison.Ordinal));
        Assert.Contains("rm -rf /var/lib/provision/lock", host.Scripts[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NothingToDo_SendsNoCommandAtAll()
    {
        var converged = HostFactsFor.Converged(Debian);
        var host = new FakeHost("deb-amd-01", converged, converged);

        var outcome = Assert.Single(await Runner(new Recorder()).ExecuteAsync([Session(host)], CancellationToken.None));

        Assert.Equal(HostStatus.Unchanged, outcome.Status);
        Assert.Empty(host.Scripts);
    }

    /// <summary>What the console would have shown, per host, in order.</summary>
    private sealed class Recorder : IApplyObserver
    {
        private readonly List<(string Host, ApplyStep Step)> _events = [];

        public IReadOnlyList<(string Host, ApplyStep Step)> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public IReadOnlyList<ApplyStep> Steps(string host) => [.. Events.Where(e => e.Host == host).Select(e => e.Step)];

        public void Passed(string host, ApplyStep boundary, string detail)
        {
            lock (_events)
            {
                _events.Add((host, boundary));
            }
        }

        public void Warning(string host, string message)
        {
        }
    }
}
