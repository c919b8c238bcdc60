using Provisioner.Remote.Ssh;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Remote;

public sealed class KnownHostsFileTests
{
    private static readonly byte[] KeyA = [.. Enumerable.Range(1, 51).Select(i => (byte)i)];
    private static readonly byte[] KeyB = [.. Enumerable.Range(7, 51).Select(i => (byte)i)];
    private static readonly string A = Convert.ToBase64String(KeyA);
    private static readonly string B = Convert.ToBase64String(KeyB);

    [Fact]
    public void Check_PlainEntry_TrustsTheKeyAndFlagsAnotherKeyOfTheSameTypeAsChanged()
    {
        using var dir = new TempDirectory();
        var file = new KnownHostsFile(dir.File("known_hosts", $"# comment\n10.0.0.1,gpu-01 ssh-ed25519 {A} ops@site\n"));

        Assert.Equal(HostKeyVerdict.Trusted, file.Check("10.0.0.1", 22, "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyVerdict.Trusted, file.Check("gpu-01", 22, "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyVerdict.Changed, file.Check("10.0.0.1", 22, "ssh-ed25519", KeyB));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("10.0.0.1", 22, "ecdsa-sha2-nistp256", KeyB));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("10.0.0.2", 22, "ssh-ed25519", KeyA));
    }

    [Fact]
    public void Check_NonStandardPort_UsesBracketForm()
    {
        using var dir = new TempDirectory();
        var file = new KnownHostsFile(dir.File("known_hosts", $"[10.0.0.1]:2222 ssh-ed25519 {A}\n"));

        Assert.Equal(HostKeyVerdict.Trusted, file.Check("10.0.0.1", 2222, "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("10.0.0.1", 22, "ssh-ed25519", KeyA));
    }

    [Fact]
    public void Check_WildcardsNegationAndRevoked()
    {
        using var dir = new TempDirectory();
        var file = new KnownHostsFile(dir.File("known_hosts",
            $"gpu-*.example.org,!gpu-99.example.org ssh-ed25519 {A}\n@revoked * ssh-ed25519 {B}\n"));

        Assert.Equal(HostKeyVerdict.Trusted, file.Check("gpu-01.example.org", 22, "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("gpu-99.example.org", 22, "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyVerdict.Revoked, file.Check("gpu-01.example.org", 22, "ssh-ed25519", KeyB));
    }

    [Fact]
    public void Check_EntriesHashedByOpenSsh_Match()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts", $"10.0.0.1 ssh-ed25519 {A}\n[10.0.0.1]:2222 ssh-ed25519 {B}\n");
        var hash = ExternalTool.Run("ssh-keygen", "-H", "-f", path);
        Assert.True(hash.ExitCode == 0, hash.ToString());
        Assert.StartsWith("|1|", File.ReadAllText(path), StringComparison.Ordinal);
        var file = new KnownHostsFile(path);

        Assert.Equal(HostKeyVerdict.Trusted, file.Check("10.0.0.1", 22, "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyVerdict.Trusted, file.Check("10.0.0.1", 2222, "ssh-ed25519", KeyB));
        Assert.Equal(HostKeyVerdict.Changed, file.Check("10.0.0.1", 22, "ssh-ed25519", KeyB));
    }

    [Fact]
    public void Add_ThenCheck_TrustsTheRecordedKey()
    {
        using var dir = new TempDirectory();
        var file = new KnownHostsFile(Path.Combine(dir.Path, "sub", "known_hosts"));

        file.Add("10.0.0.1", 2222, "ssh-ed25519", KeyA);

        Assert.Equal(HostKeyVerdict.Trusted, file.Check("10.0.0.1", 2222, "ssh-ed25519", KeyA));
        Assert.Equal($"[10.0.0.1]:2222 ssh-ed25519 {A}\n", File.ReadAllText(file.Path));
    }
}
