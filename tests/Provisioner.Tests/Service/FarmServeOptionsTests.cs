using Provisioner.Service;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Service;

/// <summary>
/// `provision farm serve` refuses an open door before it connects to anything: a listen address
/// off this machine without a token, a token typed on the command line, a short one.
/// </summary>
public sealed class FarmServeOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:8420", false, null)]
    [InlineData("[::1]:8420", false, null)]
    [InlineData("0.0.0.0:8420", true, null)]
    [InlineData("10.0.0.5:8420", true, null)]
    [InlineData("0.0.0.0:8420", false, "is not a loopback address")]
    [InlineData("192.168.1.10:80", false, "is not a loopback address")]
    [InlineData("localhost:8420", false, "is not ADDRESS:PORT")]
    [InlineData("127.0.0.1", false, "is not ADDRESS:PORT")]
    [InlineData("127.0.0.1:0", false, "is not ADDRESS:PORT")]
    [InlineData("127.0.0.1:70000", false, "is not ADDRESS:PORT")]
    public void ListenAddress_LoopbackUnlessAToken(string text, bool hasToken, string? error)
    {
        var (endPoint, problem) = ListenAddress.Parse(text, hasToken);

        if (error is null)
        {
            Assert.Null(problem);
            Assert.NotNull(endPoint);
        }
        else
        {
            Assert.Null(endPoint);
            Assert.Contains(error, problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { "--listen", "0.0.0.0:8420" }, "error: --listen 0.0.0.0:8420 is not a loopback address")]
    [InlineData(new[] { "--token", "s3cret-typed-on-the-line" }, "error: --token takes a secret reference")]
    [InlineData(new[] { "--token", "${env:PROVISION_TEST_UNSET_TOKEN}" }, "error: farm service: secret ${env:PROVISION_TEST_UNSET_TOKEN} is not set; export PROVISION_TEST_UNSET_TOKEN=")]
    public async Task Serve_RefusesBeforeConnecting(string[] options, string expected)
    {
        // The queue named does not exist: reaching it would be a different error.
        var result = await CliRunner.RunAsync(["farm", "serve", "--queue", "redis://127.0.0.1:1/0", .. options]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(expected, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-typed-on-the-line", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_AShortToken_IsRefused()
    {
        using var dir = new TempDirectory();
        var file = dir.File("token", "short\n");

        var result = await CliRunner.RunAsync("farm", "serve", "--queue", "redis://127.0.0.1:1/0", "--token", "${file:" + file + "}");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: the token in ${{file:{file}}} is 5 characters: use at least 16 (e.g. openssl rand -hex 32)\n", result.Stderr);
    }

    [Fact]
    public async Task Serve_TakesTheAddressAndTokenFromTheInventory_TheFlagsWin()
    {
        using var dir = new TempDirectory();
        var token = dir.File("token", "short\n");
        var inventory = dir.File("inventory.yaml", $$"""
            version: 1
            farm:
              service:
                listen: 0.0.0.0:8420
                token: ${file:{{token}}}
            defaults:
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: queue, queue_url: "redis://127.0.0.1:1/0", device: CPU }
            hosts:
              - name: h1
                address: 10.0.0.1
                gpus:
                  - address: "0000:65:00.0"
            """);

        // The inventory's token guards its non-loopback address: read, and refused for its length before connecting.
        var fromInventory = await CliRunner.RunAsync("farm", "serve", "-I", inventory);
        Assert.Equal($"error: the token in ${{file:{token}}} is 5 characters: use at least 16 (e.g. openssl rand -hex 32)\n", fromInventory.Stderr);

        // --token overrides it (and is read in its place).
        var flag = await CliRunner.RunAsync("farm", "serve", "-I", inventory, "--token", "${env:PROVISION_TEST_UNSET_TOKEN}");
        Assert.StartsWith("error: farm service: secret ${env:PROVISION_TEST_UNSET_TOKEN} is not set", flag.Stderr, StringComparison.Ordinal);
    }
}
