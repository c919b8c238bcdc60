using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Support;

/// <summary>
/// The lab of tests/lab, brought up once for the test run: four real sshd hosts, each with its
/// own hardware profile, on fresh disks. Commands reach them through the real OpenSSH client
/// with strict host key checking against the lab's known_hosts.
/// </summary>
public sealed class Lab : IDisposable
{
    public static readonly string Root = Environment.GetEnvironmentVariable("LAB_ROOT") ?? "/var/lib/provision-lab";
    private static readonly string Script = Repo.Path("tests", "lab", "lab.sh");

    // Host -> hardware profile. Order matters: 'lab.sh up N PROFILE' gives PROFILE to new hosts only.
    // A test that changes a host owns it (xunit does not order tests): h1 the rendered bring-up,
    // h2 reboots, h3 and h4 their failure profiles; h5 stays as fresh as it started; h6 is for
    // the apply primitives (locks, file batches, faults); h7 the composed bring-up; h8 and h9 a
    // fleet applied by the CLI; h10 apply cut at every step; h11 confirmation, locks, saved plans;
    // h12 applied by the non-root 'deploy' user through sudo; h13 (Rocky 9) and h14 (CentOS 7) the EL paths;
    // h15 has the machine's libvirtd socket (Os 'debian libvirt'); h16 hangs in its reboot while
    // h17 is applied beside it; h18 is brought up, then given each trap `check` must catch; h19
    // cannot reserve enough hugepages on its second node; h20 is built by replaying a runbook;
    // h21 (Rocky 9, the machine's libvirtd socket) by replaying an EL9 runbook with its worker VM;
    // h22 and h23 are lab twins of real machines (twin:NN: Fixtures/realhw dump NN through tests/lab/twin.sh):
    // the Z370 whose two cards share a group, and the Sapphire Rapids server with three isolated A5000s;
    // h24 the B550M (its 2070 SUPER's USB function on the built-in xhci_hcd, a GT 710 kept by the
    // host); h25 an Ubuntu-like kernel with vfio-pci built in; h26..h30 the other published
    // machines (02, 06, 07 as Fedora, 10 as Arch with systemd-boot, 14), each given its verdicts;
    // h31 the Z370 again, on the ACS-override kernel its owner moved to (the groups split).
    // h32 gets three of its four GPUs, two on one NUMA node (each node's own hugepages).
    // h33 is made by a test: the profile `discover --twin` writes of h26.
    // h34 is made by the farm end-to-end test (the machine's libvirtd socket, two worker VMs of a real guest OS).
    public static readonly (string Host, string Profile, string Os)[] Hosts =
    [
        ("h1", "a5000x4", "debian"),
        ("h2", "epyc-8gpu", "debian"),
        ("h3", "gpu-shares-group-with-nic", "debian"),
        ("h4", "iommu-off-in-firmware", "debian"),
        ("h5", "a5000x4", "debian"),
        ("h6", "a5000x4", "debian"),
        ("h7", "a5000x4", "debian"),
        ("h8", "a5000x4", "debian"),
        ("h9", "epyc-8gpu", "debian"),
        ("h10", "a5000x4", "debian"),
        ("h11", "a5000x4", "debian"),
        ("h12", "a5000x4", "debian"),
        ("h13", "a5000x4", "rocky9"),
        ("h14", "a5000x4", "centos7"),
        ("h15", "a5000x1", "debian libvirt"),
        ("h16", "a5000x4", "debian"),
        ("h17", "a5000x4", "debian"),
        ("h18", "a5000x4", "debian"),
        ("h19", "hugepages-short", "debian"),
        ("h20", "a5000x4", "debian"),
        ("h21", "a5000x1", "rocky9 libvirt"),
        ("h22", "twin:08", "debian"),
        ("h23", "twin:01", "debian"),
        ("h24", "twin:11", "debian"),
        ("h25", "turing-vfio-builtin", "debian"),
        ("h26", "twin:02", "debian"),
        ("h27", "twin:06", "debian"),
        ("h28", "twin:07", "fedora"),
        ("h29", "twin:10", "arch"),
        ("h30", "twin:14", "debian"),
        ("h31", "twin:08+acs-kernel", "debian"),
        ("h32", "a5000x4", "debian"),
    ];

    public Lab()
    {
        Run("wipe");
        // .ci/run builds the base before the tests; a first local run builds it here (debootstrap).
        var baseBuild = ExternalTool.Run(TimeSpan.FromMinutes(10), null, Script, "base");
        Assert.True(baseBuild.ExitCode == 0, "lab.sh base failed: " + baseBuild);
        for (var i = 0; i < Hosts.Length; i++)
        {
            Run(["up", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), ProfileArgument(Hosts[i].Profile), .. Hosts[i].Os.Split(' ')]);
        }
    }

    public static string Address(string host) => "127.0.2." + host[1..];

    /// <summary>A profile name, or for 'twin:NN' the twin of dump NN, made now by tests/lab/twin.sh into the lab's root.</summary>
    private static string ProfileArgument(string profile)
    {
        if (!profile.StartsWith("twin:", StringComparison.Ordinal))
        {
            return profile;
        }

        // 'twin:NN+acs-kernel': the same machine running a kernel with the ACS override patch
        // (boot.py then splits the groups the dump listed after the override, once asked).
        var (dump, acsKernel) = (profile[5..].Split('+')[0], profile.EndsWith("+acs-kernel", StringComparison.Ordinal));
        var path = Path.Combine(Root, "twins", "twin-" + profile[5..].Replace('+', '-') + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = Twin.ProfileText(dump);
        if (acsKernel)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
            json["acs_override_kernel"] = true;
            text = json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        }

        File.WriteAllText(path, text);
        return path;
    }

    public static string KnownHosts => Path.Combine(Root, "known_hosts");

    /// <summary>The options `provision discover` takes to reach lab hosts: the lab's known_hosts and the admin key.</summary>
    public static string[] DiscoverAccess => ["--known-hosts", KnownHosts, "--identity", Path.Combine(Root, "keys", "admin_ed25519")];

    /// <summary>The OpenSSH client options every lab connection uses: the admin key, strict host key checking.</summary>
    private static string[] SshOptions(string? knownHosts) =>
    [
        "-i", Path.Combine(Root, "keys", "admin_ed25519"),
        "-o", "UserKnownHostsFile=" + (knownHosts ?? KnownHosts),
        "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes",
        "-o", "ConnectTimeout=10",
    ];

    /// <summary>Runs a shell command on a lab host as root (the real OpenSSH client).</summary>
    public static ExternalTool.Result Ssh(string host, string command, string? knownHosts = null) =>
        ExternalTool.Run("ssh", [.. SshOptions(knownHosts), "root@" + Address(host), command]);

    /// <summary>Reboots a host the way a user would (reboot over SSH) and waits for a new boot_id.</summary>
    public static string Reboot(string host)
    {
        var before = Ssh(host, "cat /proc/sys/kernel/random/boot_id").Stdout.Trim();
        Ssh(host, "reboot");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(300);
            var now = Ssh(host, "cat /proc/sys/kernel/random/boot_id");
            if (now.ExitCode == 0 && now.Stdout.Trim() != before && now.Stdout.Trim().Length > 0)
            {
                return now.Stdout.Trim();
            }
        }

        throw new TimeoutException($"{host} did not come back with a new boot_id within 30 s");
    }

    /// <summary>Sets GRUB_CMDLINE_LINUX, regenerates grub.cfg and boots the host with it (as after a first apply).</summary>
    public static void BootWithCmdline(string host, string arguments)
    {
        var set = Ssh(host, $"sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=\"{arguments}\"/' /etc/default/grub && update-grub");
        Assert.True(set.ExitCode == 0, set.ToString());
        Reboot(host);
    }

    /// <summary>Our own SSH client's view of a lab host (strict host key checking, the admin key).</summary>
    public static Remote.Ssh.SshTarget Target(string host, string? knownHosts = null, Core.Inventory.Model.HostKeyPolicy policy = Core.Inventory.Model.HostKeyPolicy.Strict) =>
        new(host, Address(host), 22, "root", Path.Combine(Root, "keys", "admin_ed25519"), knownHosts ?? KnownHosts, policy);

    /// <summary>Copies a local directory tree onto a host's / (tar over the SSH connection).</summary>
    public static void Push(string host, string localRoot)
    {
        var ssh = "ssh " + string.Join(' ', SshOptions(null).Select(Core.Shell.ShellQuote.Quote)) + " root@" + Address(host);
        var result = ExternalTool.Run("bash", "-c", $"set -o pipefail; tar -C '{localRoot}' -cf - . | {ssh} 'tar -C / --no-same-owner -xf -'");
        Assert.True(result.ExitCode == 0, "push failed: " + result);
    }

    public static void Run(params string[] args)
    {
        var result = ExternalTool.Run(Script, args);
        Assert.True(result.ExitCode == 0, $"lab.sh {string.Join(' ', args)} failed: {result}");
    }

    /// <summary>Drops every SSH connection to a host mid-command; the host stays up in the same boot.</summary>
    public static void Cut(string host) => Run("cut", host);

    /// <summary>How many SSH logins and exec sessions a host's sshd has logged so far.</summary>
    public static (int Logins, int Sessions) SshdCounts(string host)
    {
        var log = File.ReadAllText(Path.Combine(Root, "hosts", host, "supervisor.log"));
        return (System.Text.RegularExpressions.Regex.Count(log, "Accepted publickey"), System.Text.RegularExpressions.Regex.Count(log, "Starting session: command"));
    }

    public void Dispose() => Run("down");
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<Lab>
{
    public const string Name = "lab";
}
