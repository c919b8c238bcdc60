using System.Text;
using System.Text.RegularExpressions;
using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests;

/// <summary>
/// The runbook stays true: its commands, replayed block by block on a fresh lab host as an
/// operator would (each `sh` block under bash -e, the reboot block as a reboot), leave the host
/// exactly where `provision apply` would: apply then finds nothing to do and check passes.
/// </summary>
[Collection(LabCollection.Name)]
public sealed partial class RunbookReplayTests(Lab lab)
{
    private readonly Lab _lab = lab;

    [Fact]
    public async Task Runbook_ReplayedOnAFreshHost_ReachesApplysEndState()
    {
        using var dir = new TempDirectory();
        var inventory = dir.File("h20.yaml", File.ReadAllText(LabInventory.Write(dir, ["h20"])).Replace("  os: auto\n", "  os: debian\n", StringComparison.Ordinal));
        var runbook = Path.Combine(dir.Path, "h20.md");
        var written = await CliRunner.RunAsync("runbook", inventory, "--limit", "h20", "--no-vms", "-o", runbook);
        Assert.True(written.ExitCode == 0, written.Stdout + written.Stderr);

        var blocks = ShBlock().Matches(File.ReadAllText(runbook)).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("reboot\n", blocks);
        Assert.Contains(blocks, b => b.Contains("update-initramfs -u -k all", StringComparison.Ordinal));
        var bootBefore = Lab.Ssh("h20", "cat /proc/sys/kernel/random/boot_id").Stdout;
        foreach (var block in blocks)
        {
            if (block == "reboot\n")
            {
                Lab.Reboot("h20");
                continue;
            }

            var script = Convert.ToBase64String(Encoding.UTF8.GetBytes(block));
            var run = Lab.Ssh("h20", $"echo {script} | base64 -d | bash -e");
            Assert.True(run.ExitCode == 0, $"runbook block failed:\n{block}\n{run}");
        }

        Assert.NotEqual(bootBefore, Lab.Ssh("h20", "cat /proc/sys/kernel/random/boot_id").Stdout);
        var apply = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--detailed-exitcode");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", apply.Stdout, StringComparison.Ordinal);
        var check = await CliRunner.RunAsync("check", inventory, "--no-vms", "--strict");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
    }

    [GeneratedRegex("```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShBlock();
}
