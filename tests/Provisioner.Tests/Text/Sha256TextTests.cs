using System.Diagnostics;
using Provisioner.Core.Text;

namespace Provisioner.Tests.Text;

/// <summary>
/// The hashes apply compares with what sha256sum prints on a host, and the instance-id of every
/// VM (a changed one makes cloud-init run again on a VM that exists), so each must be exactly
/// the sha256 of the UTF-8 bytes: checked against coreutils' sha256sum, not against ourselves.
/// </summary>
public sealed class Sha256TextTests
{
    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("grüße, 渲染 🎬\n")]
    public void Hex_IsWhatSha256sumPrints(string text) =>
        Assert.Equal(Sha256sum(text), Sha256Text.Hex(text));

    [Fact]
    public void Parts_HashAsTheirConcatenation_WithoutBuildingIt()
    {
        var userData = "#cloud-config\nhostname: wörker-0 🎬\n" + new string('x', 70_000);
        var networkConfig = "version: 2\n";

        Assert.Equal(Sha256sum(userData + "\0" + networkConfig), Sha256Text.Hex(userData, "\0", networkConfig));
        Assert.Equal(Sha256Text.Hex(userData + networkConfig), Sha256Text.Hex(userData, networkConfig));
        Assert.NotEqual(Sha256Text.Hex(userData, networkConfig), Sha256Text.Hex(networkConfig, userData));
    }

    private static string Sha256sum(string text)
    {
        using var process = Process.Start(new ProcessStartInfo("sha256sum") { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        var bytes = new System.Text.UTF8Encoding(false).GetBytes(text);
        process.StandardInput.BaseStream.Write(bytes);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split(' ')[0];
    }
}
