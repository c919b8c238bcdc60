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
        Replay("h20", blocks);

        Assert.NotEqual(bootBefore, Lab.Ssh("h20", "cat /proc/sys/kernel/random/boot_id").Stdout);
        var apply = await CliRunner.RunAsync("apply", "--no-vms", inventory, "--detailed-exitcode");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", apply.Stdout, StringComparison.Ordinal);
        var check = await CliRunner.RunAsync("check", inventory, "--no-vms", "--strict");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
    }

    /// <summary>
    /// EL9 with its worker VM: the runbook's dnf, grubby and dracut steps, the seed files, the
    /// storage script (image fetched and checked, disks, the seed ISO with whichever ISO tool the
    /// host has) and virsh, replayed on a Rocky 9 lab host that reaches the machine's libvirtd:
    /// apply then has nothing left to do, VM included.
    /// </summary>
    [Fact]
    public async Task Runbook_El9WithAWorkerVm_ReplayedOnAFreshHost_ReachesApplysEndState()
    {
        const string Vm = "h21-gpu0";
        using var dir = new TempDirectory();
        var image = new byte[1 << 20];
        System.Security.Cryptography.RandomNumberGenerator.Fill(image);
        File.WriteAllBytes(Path.Combine(dir.Path, "base.raw"), image);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
        File.WriteAllText(Path.Combine(dir.Path, "queue-password"), "replay-secret\n");
        using var http = await LocalHttpServer.StartAsync(dir.Path);
        try
        {
            // The daemon behind this Rocky host is the machine's Debian libvirtd: the VM's firmware is
            // Debian's OVMF, as a host would point vm.firmware at the files it has.
            var inventory = LabVmInventory.Write(dir, "h21", "el9", http.Url("base.raw"), sha, "128MiB",
                firmware: "{ loader: /usr/share/OVMF/OVMF_CODE_4M.fd, nvram_template: /usr/share/OVMF/OVMF_VARS_4M.fd }");
            var runbook = Path.Combine(dir.Path, "h21.md");
            var written = await CliRunner.RunAsync("runbook", inventory, "--limit", "h21", "-o", runbook);
            Assert.True(written.ExitCode == 0, written.Stdout + written.Stderr);

            var blocks = ShBlock().Matches(File.ReadAllText(runbook)).Select(m => m.Groups[1].Value).ToList();
            Assert.Contains(blocks, b => b.StartsWith("dnf install -y -q qemu-kvm libvirt edk2-ovmf xorriso", StringComparison.Ordinal));
            Assert.Contains(blocks, b => b.Contains("dracut -f --regenerate-all", StringComparison.Ordinal));
            Assert.Contains(blocks, b => b.Contains("iso /var/lib/libvirt/provision/" + Vm, StringComparison.Ordinal));
            Assert.DoesNotContain(blocks, b => b.StartsWith("genisoimage", StringComparison.Ordinal));
            // The runbook never holds a secret: as its expectation says, the operator puts the
            // value in place of the reference before running the step.
            var reference = "${file:" + Path.Combine(dir.Path, "queue-password") + "}";
            Assert.Contains(blocks, b => b.Contains(reference, StringComparison.Ordinal));
            Replay("h21", [.. blocks.Select(b => b.Replace(reference, "replay-secret", StringComparison.Ordinal))]);

            Assert.Contains("dnf install qemu-kvm libvirt edk2-ovmf xorriso qemu-img pciutils\n", Lab.Ssh("h21", "cat /var/lib/lab/markers.log").Stdout, StringComparison.Ordinal);
            var apply = await CliRunner.RunAsync("apply", inventory, "--detailed-exitcode");
            Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
            Assert.EndsWith("0 applied, 1 unchanged, 0 blocked, 0 failed.\n", apply.Stdout, StringComparison.Ordinal);
            using var libvirt = Provisioner.Remote.Libvirt.LibvirtConnection.Open("qemu:///system");
            using var domain = libvirt.Find(Vm);
            Assert.Equal(Provisioner.Remote.Libvirt.DomainState.Running, domain!.State);
            Assert.True(domain.Autostart);
        }
        finally
        {
            LabVms.Remove(Vm, sha);
        }
    }

    /// <summary>Each `sh` block under bash -e on the host, as an operator would; the reboot block as a reboot.</summary>
    private static void Replay(string host, IReadOnlyList<string> blocks)
    {
        foreach (var block in blocks)
        {
            if (block == "reboot\n")
            {
                Lab.Reboot(host);
                continue;
            }

            var script = Convert.ToBase64String(Encoding.UTF8.GetBytes(block));
            var run = Lab.Ssh(host, $"echo {script} | base64 -d | bash -e");
            Assert.True(run.ExitCode == 0, $"runbook block failed:\n{block}\n{run}");
        }
    }

    [GeneratedRegex("```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShBlock();
}
