using Provisioner.Remote.Ssh;

namespace Provisioner.Tests.Remote;

public sealed class SshAddressTests
{
    [Theory]
    [InlineData("gpu-01", "root", "gpu-01", 22)]
    [InlineData("ops@10.0.0.5:2222", "ops", "10.0.0.5", 2222)]
    [InlineData("[::1]:2200", "root", "::1", 2200)]
    [InlineData("deploy@[fe80::1]", "deploy", "fe80::1", 22)]
    public void Parse_TheFormsPeopleType(string text, string user, string address, int port) =>
        Assert.Equal(new SshAddress(user, address, port), SshAddress.Parse(text));

    [Theory]
    [InlineData("host;rm -rf /")]
    [InlineData("me@host:0")]
    [InlineData("me@host:70000")]
    [InlineData("[::1")]
    [InlineData("me@")]
    [InlineData("a b@host")]
    public void Parse_AnythingElse_IsRefused(string text) => Assert.Null(SshAddress.Parse(text));
}
