using Provisioner.Core.Checks;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Checks;

/// <summary>`provision runbook`: the sample in docs/ is what the example inventory gives, secrets stay references, os: auto is refused.</summary>
public sealed class RunbookTests
{
    [Fact]
    public async Task Runbook_Example_IsTheSampleInDocs_AndNamesEveryCheck()
    {
        var result = await CliRunner.RunAsync("runbook", Repo.Path("inventories", "example.yaml"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Golden.AssertMatches(Repo.Path("docs", "runbook-example.md"), result.Stdout);
        foreach (var check in CheckCatalog.Definitions)
        {
            Assert.Contains($"- [ ] `{check.Id}`: {check.Title}\n", result.Stdout, StringComparison.Ordinal);
            Assert.Contains($"### {check.Id}: {check.Title}\n", result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("## 6. Reboot (reboot point)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("dracut -f --kver \"$(grubby --default-kernel | sed 's|^/boot/vmlinuz-||')\"\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("virsh autostart hk-gpu-01-gpu3\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runbook_SecretsStayReferences_AndOutputIsDeterministic()
    {
        const string secret = "do-not-print-me-7d1f";
        Environment.SetEnvironmentVariable("RENDER_QUEUE_PASSWORD", secret);
        try
        {
            var first = await CliRunner.RunAsync("runbook", Repo.Path("inventories", "example.yaml"));
            var second = await CliRunner.RunAsync("runbook", Repo.Path("inventories", "example.yaml"));

            Assert.DoesNotContain(secret, first.Stdout, StringComparison.Ordinal);
            Assert.Contains("PROVISION_QUEUE_PASSWORD=${env:RENDER_QUEUE_PASSWORD}", first.Stdout, StringComparison.Ordinal);
            Assert.Equal(first.Stdout, second.Stdout);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RENDER_QUEUE_PASSWORD", null);
        }
    }

    [Fact]
    public async Task Runbook_OsAuto_IsRefusedWithWhatToSet()
    {
        var result = await CliRunner.RunAsync("runbook", Repo.Path("inventories", "lab.yaml"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: host h1 has os: auto; a runbook's commands differ per OS: set its os (el7, el8, el9, debian, ubuntu)", result.Stderr, StringComparison.Ordinal);
    }
}
