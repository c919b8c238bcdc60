using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Provisioner.Core.Facts;
using Provisioner.Remote.Ssh;

namespace Provisioner.Tests.Support;

/// <summary>
/// A hand-written stand-in for one host behind <see cref="IHostShell"/>, answering as the real
/// scripts do on a real host: the lock script (exit 3 with the owner line when held), the fact
/// probe (its tab-separated records and the final 'end ok', from <see cref="FactsNow"/>), the
/// boot_id, the detached reboot (the host goes down: calls fail until it is back with a new
/// boot_id), file batches ("written PATH" per file), triggers ("ran TRIGGER"). Every script is
/// recorded. <see cref="Fail"/> makes a script matching a marker fail as a host would (exit code,
/// stderr). A shared <see cref="Fleet"/> counts how many hosts are down at once.
/// </summary>
public sealed class FakeHost
{
    private readonly ConcurrentQueue<string> _scripts = new();
    private int _boot = 1;

    public FakeHost(string name, HostFacts before, HostFacts after, FakeFleet? fleet = null)
    {
        Name = name;
        FactsNow = before;
        After = after;
        Fleet = fleet ?? new FakeFleet();
    }

    public string Name { get; }

    /// <summary>What the probe reports now; becomes <see cref="After"/> once the host rebooted.</summary>
    public HostFacts FactsNow { get; private set; }

    public HostFacts After { get; }

    public FakeFleet Fleet { get; }

    /// <summary>Reconnect attempts refused after a reboot before sshd answers again.</summary>
    public int DownForAttempts { get; init; } = 2;

    /// <summary>Never comes back from a reboot.</summary>
    public bool NeverReturns { get; init; }

    public bool Down { get; private set; }

    private int _refused;

    /// <summary>Scripts that fail: the first whose marker the script contains answers with that result.</summary>
    public List<(string Marker, CommandResult Result)> Fail { get; } = [];

    public IReadOnlyList<string> Scripts => [.. _scripts];

    public int Reboots { get; private set; }

    public IHostShell Connect() => new Shell(this);

    private CommandResult Answer(string script)
    {
        _scripts.Enqueue(script);
        if (Fail.FirstOrDefault(f => script.Contains(f.Marker, StringComparison.Ordinal)) is { Marker: not null } failure)
        {
            return failure.Result;
        }

        if (script.Contains("/var/lib/provision/lock", StringComparison.Ordinal) || script.StartsWith("set -e\numask 077\nfetch", StringComparison.Ordinal))
        {
            return Ok("");
        }

        if (script.Contains("systemd-run --on-active", StringComparison.Ordinal))
        {
            // The detached reboot: the command returns, then the host goes down.
            Reboots++;
            Down = true;
            Fleet.WentDown();
            return Ok("");
        }

        if (script == "cat /proc/sys/kernel/random/boot_id")
        {
            return Ok($"boot-{_boot}\n");
        }

        if (script.Contains("printf 'hostname", StringComparison.Ordinal))
        {
            return Ok(ProbeOutput.Of(FactsNow with { BootId = $"boot-{_boot}" }));
        }

        // A file batch says "written PATH" per file, a trigger batch "ran TRIGGER" per trigger; anything else prints nothing.
        var output = new StringBuilder();
        foreach (var line in script.Split('\n'))
        {
            if (line.StartsWith("f=", StringComparison.Ordinal))
            {
                output.Append("written\t").Append(FilePath(line)).Append('\n');
            }
            else if (line.StartsWith("printf 'ran\\t%s\\n' ", StringComparison.Ordinal))
            {
                output.Append("ran\t").Append(line["printf 'ran\\t%s\\n' ".Length..]).Append('\n');
            }
        }

        return Ok(output.ToString());
    }

    /// <summary>The path of a file batch's "f=PATH; d=..." line (quoted or not, as ShellQuote left it).</summary>
    public static string FilePath(string line) => line[2..line.IndexOf("; d=", StringComparison.Ordinal)].Trim('\'');

    private void Reconnected()
    {
        if (Down && _refused++ >= DownForAttempts && !NeverReturns)
        {
            Down = false;
            _refused = 0;
            _boot++;
            FactsNow = After;
            Fleet.CameBack();
        }
    }

    private static CommandResult Ok(string stdout) => new(0, stdout, "");

    private sealed class Shell(FakeHost host) : IHostShell
    {
        public string HostName => host.Name;

        public Task<CommandResult> RunScriptAsync(string script, bool sudo, TimeSpan timeout, CancellationToken cancellationToken) =>
            host.Down ? throw new RemoteException(host.Name, "the connection broke during a command: host is down", "re-run") : Task.FromResult(host.Answer(script));

        public async Task<IHostShell> ReconnectAsync(TimeSpan connectTimeout, CancellationToken cancellationToken)
        {
            await Task.Yield();
            host.Reconnected();
            return host.Down ? throw new RemoteException(host.Name, "connection refused", "is sshd up?") : new Shell(host);
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Hosts of one test run: how many were down at once, at most.</summary>
public sealed class FakeFleet
{
    private int _down;
    private int _most;

    public int MostDownAtOnce => _most;

    public void WentDown()
    {
        var now = Interlocked.Increment(ref _down);
        int seen;
        while (now > (seen = _most) && Interlocked.CompareExchange(ref _most, now, seen) != seen)
        {
        }
    }

    public void CameBack() => Interlocked.Decrement(ref _down);
}

/// <summary>Facts written as the probe's records: what <see cref="FactsParser"/> reads back.</summary>
public static class ProbeOutput
{
    public static string Of(HostFacts facts)
    {
        var o = new StringBuilder();
        void Line(params object?[] fields) => o.AppendJoin('\t', fields.Select(f => Convert.ToString(f, CultureInfo.InvariantCulture))).Append('\n');
        Line("hostname", facts.Hostname);
        Line("kernel", facts.Kernel);
        Line("boot_id", facts.BootId);
        Line("cmdline", facts.Cmdline);
        foreach (var (key, value) in facts.OsRelease)
        {
            Line("os", $"{key}=\"{value}\"");
        }

        foreach (var file in facts.Files.Values)
        {
            if (!file.Exists)
            {
                Line("file", file.Path, "-");
                continue;
            }

            Line("sum", file.Path, file.Sha256);
            Line("meta", file.Path, file.Mode, file.Owner, file.Group, file.ModifiedUnix);
        }

        foreach (var device in facts.PciDevices)
        {
            var (vendor, id) = (device.VendorDevice[..4], device.VendorDevice[5..]);
            Line("pci", device.Address, "0x" + vendor, "0x" + id, "0x" + device.Class, device.NumaNode);
            if (device.Driver is not null)
            {
                Line("pcilink", device.Address, "driver", device.Driver);
            }

            if (device.IommuGroup is not null)
            {
                Line("pcilink", device.Address, "iommu_group", device.IommuGroup);
            }
        }

        foreach (var node in facts.NumaNodes)
        {
            Line("node", node.Node, node.MemTotalKib, node.Hugepages2MTotal, node.Hugepages2MFree, node.Hugepages1GTotal, node.Hugepages1GFree, node.Cpus);
        }

        facts.LoadedModules.ToList().ForEach(m => Line("module", m));
        facts.BootEntries.ToList().ForEach(b => Line("boot", b.Source, b.Arguments));
        facts.Initramfs.ToList().ForEach(i => Line("initramfs", i.Path, i.ModifiedUnix));
        facts.InstalledPackages.ToList().ForEach(p => Line("pkg", p));
        facts.ExistingPaths.Order(StringComparer.Ordinal).ToList().ForEach(p => Line("exists", p));
        facts.Services.ToList().ForEach(s => Line("svc", s.Name, s.Enabled, s.Active));
        facts.VfioGroupDevices.ToList().ForEach(g => Line("dev_vfio", g));
        if (facts.LibvirtSocket is not null)
        {
            Line("libvirt", facts.LibvirtSocket);
        }

        if (facts.FirmwareIommu is not null)
        {
            Line("firmware_iommu", facts.FirmwareIommu);
        }

        if (facts.InterruptRemapping is { } remapping)
        {
            Line("irq_remap", remapping ? "1" : "0");
        }

        Line("end", "ok");
        return o.ToString();
    }
}
