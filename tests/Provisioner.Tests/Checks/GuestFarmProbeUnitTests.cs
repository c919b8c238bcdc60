using Provisioner.Core.Checks;
using Provisioner.Core.Inventory.Model;

namespace Provisioner.Tests.Checks;

public sealed class GuestFarmProbeUnitTests
{
    [Theory]
    [InlineData("redis://10.20.0.5:6380/0", "10.20.0.5", 6380)]
    [InlineData("redis://queue.example.org/1", "queue.example.org", 6379)]
    [InlineData("rediss://[fd00::5]:7000/0", "fd00::5", 7000)]
    [InlineData("redis-sentinel://s1:26380,s2,s3/farm", "s1", 26380)]
    [InlineData("redis-sentinel://s1,s2,s3/farm", "s1", 26379)]
    [InlineData("redis-sentinel://[fd00::7]:26381,s2/farm/2", "fd00::7", 26381)]
    [InlineData("redis://user:pw@10.0.0.9/0", "10.0.0.9", 6379)]
    public void QueueEndpoint_IsWhereThePingGoes(string url, string host, int port) =>
        Assert.Equal((host, port), GuestFarmProbe.QueueEndpoint(url));

    [Fact]
    public void Script_NothingToReach_IsNull()
    {
        var none = new WorkerSettings("none", null, null, null, "CPU");
        Assert.Null(GuestFarmProbe.Script(none));
        Assert.False(GuestFarmProbe.HasAnythingToAsk(none));
        Assert.True(GuestFarmProbe.HasAnythingToAsk(none with { Kind = "queue", QueueUrl = "redis://q/0" }));
        Assert.NotNull(GuestFarmProbe.Script(none with { Kind = "queue", QueueUrl = "redis://q/0" }));
    }
}
