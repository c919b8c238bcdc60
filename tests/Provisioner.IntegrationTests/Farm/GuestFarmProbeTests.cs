using Provisioner.Core.Checks;
using Provisioner.Core.Inventory.Model;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The script `check` runs inside each worker VM (guest-farm), run here by bash as it is there:
/// against a real redis-server (with a password: -NOAUTH still proves Redis answered), a port
/// where nothing listens, and a folder that is not a mount point.
/// </summary>
public sealed class GuestFarmProbeTests
{
    [Fact]
    public async Task Probe_RealRedisAnswers_ClosedPortAndUnmountedShareAreProblems()
    {
        using var dir = new TempDirectory();
        using var redis = await FarmEndToEnd.QueueServer.StartAsync(Path.Combine(dir.Path, "redis"), "127.0.0.1", "probe-secret-123");
        var closed = Support.LocalPort.Free();
        var answering = Worker($"redis://127.0.0.1:{redis.Port}/0", null);
        var unreachable = Worker($"redis://127.0.0.1:{closed}/0", new FarmStorage("10.0.0.5", "/srv/farm", dir.Path, "4", ["noatime"]));

        var good = GuestFarmProbe.Read(Run(GuestFarmProbe.Script(answering)!));
        var bad = GuestFarmProbe.Read(Run(GuestFarmProbe.Script(unreachable)!));

        Assert.Empty(good.Problems);
        Assert.Equal([$"the queue 127.0.0.1:{redis.Port} answers"], good.Fine);
        Assert.Equal([$"the share 10.0.0.5:/srv/farm at {dir.Path} is not mounted", $"the queue 127.0.0.1:{closed} cannot be reached from the VM (route, firewall, bind address)"], bad.Problems);
        Assert.DoesNotContain("probe-secret-123", GuestFarmProbe.Script(answering)!, StringComparison.Ordinal);
    }

    private static WorkerSettings Worker(string queue, FarmStorage? storage) =>
        new("queue", queue, null, null, "CPU") { Storage = storage };

    private static string Run(string script)
    {
        var result = ExternalTool.Run("bash", "-c", script);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }
}
