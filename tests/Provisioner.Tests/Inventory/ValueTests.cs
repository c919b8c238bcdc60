using Provisioner.Core.Inventory.Values;
using Provisioner.Core.Shell;

namespace Provisioner.Tests.Inventory;

public sealed class ValueTests
{
    [Theory]
    [InlineData("24GiB", 24L * 1024 * 1024 * 1024)]
    [InlineData("100G", 100L * 1024 * 1024 * 1024)]
    [InlineData("512MiB", 512L * 1024 * 1024)]
    [InlineData("2T", 2L * 1024 * 1024 * 1024 * 1024)]
    [InlineData("500GB", 500L * 1000 * 1000 * 1000)]
    [InlineData("4096", 4096L)]
    [InlineData("1 GiB", 1024L * 1024 * 1024)]
    public void ByteSize_TryParse_AcceptsUnits(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var size));
        Assert.Equal(bytes, size.Bytes);
    }

    [Theory]
    [InlineData("24 gigs")]
    [InlineData("GiB")]
    [InlineData("-1G")]
    [InlineData("1.5G")]
    [InlineData("99999999999999T")]
    public void ByteSize_TryParse_RejectsGarbage(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Fact]
    public void ByteSize_ToString_UsesTheLargestExactUnit() =>
        Assert.Equal(["24GiB", "1536MiB", "1000B"], [ByteSize.FromGiB(24).ToString(), new ByteSize(1536 * ByteSize.MiB).ToString(), new ByteSize(1000).ToString()]);

    [Theory]
    [InlineData("0000:65:00.0", "0000:65:00.0")]
    [InlineData("65:00.1", "0000:65:00.1")]
    [InlineData("0001:B1:1F.7", "0001:b1:1f.7")]
    public void PciAddress_TryParse_Normalises(string text, string expected)
    {
        Assert.True(PciAddress.TryParse(text, out var address));
        Assert.Equal(expected, address!.ToString());
    }

    [Theory]
    [InlineData("65:00:0")]
    [InlineData("0000:65:20.0")]
    [InlineData("0000:65:00.8")]
    [InlineData("65.00.0")]
    [InlineData("0000:65:00.0;reboot")]
    public void PciAddress_TryParse_RejectsMalformed(string text) => Assert.False(PciAddress.TryParse(text, out _));

    [Theory]
    [InlineData("${env:RENDER_QUEUE_PASSWORD}", "env", "RENDER_QUEUE_PASSWORD")]
    [InlineData("${file:/etc/provision/queue.pass}", "file", "/etc/provision/queue.pass")]
    public void SecretRef_TryParse_AcceptsReferences(string text, string kind, string name)
    {
        Assert.True(SecretRef.TryParse(text, out var secret));
        Assert.Equal((kind, name), (secret!.Kind, secret.Name));
        Assert.Equal(text, secret.ToString());
    }

    [Theory]
    [InlineData("${env:A-B}")]
    [InlineData("${file:relative/path}")]
    [InlineData("${file:/a/../etc/shadow}")]
    [InlineData("${vault:x}")]
    public void SecretRef_TryParse_RejectsMalformed(string text) => Assert.False(SecretRef.TryParse(text, out _));

    [Theory]
    [InlineData("br0", "br0")]
    [InlineData("a b", "'a b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$(reboot)", "'$(reboot)'")]
    [InlineData("", "''")]
    public void ShellQuote_Quote_QuotesOnlyWhenNeeded(string value, string expected) => Assert.Equal(expected, ShellQuote.Quote(value));

    [Fact]
    public void ShellQuote_Quote_RoundTripsThroughARealShell()
    {
        const string nasty = "a'b\"c $(echo pwned) `x` \\ ; | & * ?";
        var result = Support.ExternalTool.Run("sh", "-c", "printf '%s' " + ShellQuote.Quote(nasty));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(nasty, result.Stdout);
    }
}
