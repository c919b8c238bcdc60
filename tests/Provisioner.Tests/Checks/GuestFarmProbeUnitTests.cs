using Provisioner.Core.Checks;

namespace Provisioner.Tests.Checks;

public sealed class GuestFarmProbeUnitTests
{
    [Theory]
    [InlineData("redis://10.20.0.5:6380/0", "10.20.0.5", 6380)]
    [InlineData("redis://queue.example.org/1", "queue.example.org", 6379)]
    [InlineData("rediss://[fd00::5]:7000/0", "fd00::5", 7000)]
    [InlineData("redis-sentinel://s1:26380,s2,s3/farm", "s1", 26380)]
    [InlineData("redis-sentinel://s1,s2,s3/farm", "s1", 26379)]
    public void QueueEndpoint_IsWhereThePingGoes(string url, string host, int port) =>
        Assert.Equal((host, port), GuestFarmProbe.QueueEndpoint(url));

    [Fact]
    public void Script_NothingToReach_IsNull() =>
        Assert.Null(GuestFarmProbe.Script(new("none", null, null, null, "CPU")));
}
