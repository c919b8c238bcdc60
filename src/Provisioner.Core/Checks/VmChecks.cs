using System.Xml.Linq;
using Provisioner.Core.Desired;

namespace Provisioner.Core.Checks;

/// <summary>The worker VMs: memory on the right node, firmware files, libvirt, domains, consoles, BARs, the GPU inside.</summary>
internal static class VmChecks
{
    /// <summary>VNC and SPICE servers listen from 5900 up (libvirt's autoport range).</summary>
    private const int ConsolePortFirst = 5900, ConsolePortLast = 5999;

    private const long GiB = 1L << 30;

    public static readonly CheckDefinition HugepagesNode = new("hugepages-node", "Free hugepages on each GPU's NUMA node cover its VMs", CheckStatus.Fail,
        "apply, so that provision-hugepages.service gives each node its own VMs' pages, or free pages on that node; 1 GiB pages are reserved at boot, while memory is not yet fragmented: reboot, and `/usr/local/sbin/provision-hugepages --check` names a node that is still short",
        "`cat /sys/devices/system/node/node*/hugepages/hugepages-*/free_hugepages` shows free pages per node, `journalctl -u provision-hugepages` what the boot reserved. A VM pinned to its GPU's node (numatune strict) takes all its memory from that node; if the kernel could reserve fewer pages there (fragmented memory), the VM fails to start with 'unable to map backing store'.");

    public static readonly CheckDefinition UefiFirmware = new("uefi-firmware", "The OVMF code and its vars template exist", CheckStatus.Fail,
        "install OVMF (Debian/Ubuntu: ovmf; EL: edk2-ovmf / OVMF) or point vm.firmware at the host's files",
        "The worker VMs boot UEFI: libvirt copies the vars template to the VM's nvram file on first start. Distributions name the files differently (OVMF_CODE.fd, OVMF_CODE_4M.fd, OVMF_CODE.secboot.fd); `ls /usr/share/OVMF /usr/share/edk2/ovmf` shows what the host has.");

    public static readonly CheckDefinition QemuMachine = new("qemu-machine", "The host's QEMU runs the domains' q35 machine and their firmware", CheckStatus.Fail,
        "EL7: install the Virt SIG's qemu-kvm-ev (yum install centos-release-qemu-ev, then yum install qemu-kvm-ev: apply does both); elsewhere install the distribution's QEMU; or point vm.firmware.loader at an OVMF build without secure boot",
        "`/usr/libexec/qemu-kvm -machine help` (EL) or `qemu-system-x86_64 -machine help` lists the machine types, `--version` the version. The worker domains are q35 (PCI Express, which a GPU's driver expects); stock CentOS 7 ships qemu-kvm 1.5.3, which has no q35 and no SMM, and its only OVMF (OVMF_CODE.secboot.fd) stops at once without SMM (QEMU 2.4 added it).");

    /// <summary>QEMU 2.4 added the SMM emulation a secure-boot OVMF build requires.</summary>
    private static readonly Version SmmQemu = new(2, 4);

    public static readonly CheckDefinition Libvirtd = new("libvirtd", "The libvirt daemon is up", CheckStatus.Fail,
        "systemctl enable --now libvirtd (or virtqemud.socket on split-daemon hosts)",
        "`systemctl status libvirtd` and `ls -l /run/libvirt/` (libvirt-sock or virtqemud-sock). Provisioner talks to it through the socket over the host's SSH connection.");

    public static readonly CheckDefinition VmRunning = new("vm-running", "Each worker VM is defined, running and autostarted", CheckStatus.Fail,
        "run 'provision apply' (defines, starts and autostarts the VMs); if a VM does not start, libvirt's error is in /var/log/libvirt/qemu/NAME.log",
        "`virsh list --all --autostart` and `virsh domstate NAME --reason`. A VM that stops right after starting usually cannot open its GPU (see vfio-bound) or its hugepages (see hugepages-node).")
    { VerifyVms = true };

    public static readonly CheckDefinition ConsoleLocalhost = new("console-localhost", "No VM console listens beyond localhost", CheckStatus.Fail,
        "bind graphics to 127.0.0.1 (Provisioner's domains do) and reach them through an SSH tunnel; stop whatever listens on 0.0.0.0",
        "`ss -ltnp 'sport >= :5900 and sport <= :5999'` shows VNC/SPICE listeners; `virsh dumpxml NAME | grep -A2 graphics` their address. A console on 0.0.0.0 gives anyone on the network the VM's screen and keyboard.");

    public static readonly CheckDefinition LargeBar = new("large-bar", "Large-BAR GPUs fit the guest's 64-bit MMIO window", CheckStatus.Warn,
        "give OVMF a larger 64-bit PCI window (qemu -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=262144) or use a newer OVMF that sizes it from the guest's address bits; keep guest RAM within what the window leaves",
        "`lspci -vv -s ADDRESS | grep Region` shows the BAR sizes. Older OVMF builds reserve a 32 GiB 64-bit MMIO window: a GPU whose BARs exceed it, or a large guest RAM pushing the window past the CPU's physical address bits, makes the guest see the GPU without its memory ('BAR1 not assigned', nvidia-smi 'No devices found').");

    public static readonly CheckDefinition GuestGpu = new("guest-gpu", "Inside each VM, exactly one GPU shows (nvidia-smi -L), named with its driver version", CheckStatus.Fail,
        "if none shows: check vfio-bound and the VM's log; if two show: two VMs claim the same group, correct gpus[] in the inventory",
        "Through the guest agent: `virsh qemu-agent-command NAME '{\"execute\":\"guest-exec\",...}'` runs nvidia-smi -L in the guest. The guest needs qemu-guest-agent running (the seed installs it).")
    { VerifyVms = true };

    public static readonly CheckDefinition GuestFarm = new("guest-farm", "Inside each worker VM, the queue answers and the share is mounted and writable by the worker", CheckStatus.Fail,
        "from the VM: check the route and firewall to the queue (and Redis's bind address); mount the share (mount /srv/farm; journalctl -b | grep nfs) and export it writable to the worker",
        "Through the guest agent, as root in the VM: `mountpoint` on farm.storage's mount, a file touched and removed there as provision-worker, and a Redis PING to worker.queue_url's host and port over bash's /dev/tcp (+PONG, or -NOAUTH: Redis answered; the password is never sent). The worker's own view, not the control machine's: a share the host mounts but a VM cannot reach fails here.")
    { VerifyVms = true };

    public static IEnumerable<CheckOutcome> EvaluateHugepagesNode(CheckInput input)
    {
        var backed = input.Desired.Vms.Where(v => v.Vm.HugepageBacked && !Running(input, v.Vm.Name)).ToList();
        if (backed.Count == 0)
        {
            yield return input.Desired.Vms.Any(v => v.Vm.HugepageBacked) ? CheckOutcome.Pass("every hugepage-backed VM is running on its pages") : CheckOutcome.Skip("no VM is hugepage-backed");
            yield break;
        }

        var pageBytes = input.Desired.Hugepages.PageSize.Bytes;
        long Free(Facts.NumaNodeFacts n) => input.Desired.Hugepages.IsGigantic ? n.Hugepages1GFree : n.Hugepages2MFree;
        long Pages(VmDesiredState vm) => (vm.Vm.Memory.Bytes + pageBytes - 1) / pageBytes;
        var nodes = input.Facts.NumaNodes;
        var size = input.Desired.Hugepages.IsGigantic ? "1 GiB" : "2 MiB";
        // Pinned VMs need their pages on their GPU's node; the others take them from anywhere.
        var byNode = nodes.Count >= 2
            ? backed.Where(v => v.Vm.NumaPlacement).GroupBy(v => input.Facts.Device(v.Gpu.Address.ToString())?.NumaNode ?? -1).Where(g => g.Key >= 0).ToList()
            : [];
        foreach (var group in byNode)
        {
            var need = group.Sum(Pages);
            var free = nodes.FirstOrDefault(n => n.Node == group.Key) is { } node ? Free(node) : 0;
            if (free < need)
            {
                yield return new(CheckStatus.Fail, $"node {group.Key}: {free} free {size} pages, {string.Join(", ", group.Select(v => v.Vm.Name))} need {need}");
            }
        }

        var totalNeed = backed.Sum(Pages);
        var totalFree = nodes.Sum(Free);
        if (totalFree < totalNeed)
        {
            yield return new(CheckStatus.Fail, $"{totalFree} free {size} pages on the host, the VMs not yet running need {totalNeed}");
        }

        yield return CheckOutcome.Pass($"{totalFree} free {size} pages cover {totalNeed}" + (byNode.Count > 0 ? ", each GPU's node covers its VMs" : ""));
    }

    public static IEnumerable<CheckOutcome> EvaluateUefiFirmware(CheckInput input)
    {
        var paths = input.Desired.Vms.SelectMany(VmFiles.FirmwarePaths).Distinct().ToList();
        foreach (var path in paths.Where(p => !input.Facts.ExistingPaths.Contains(p)))
        {
            yield return new(CheckStatus.Fail, $"{path} does not exist");
        }

        if (paths.Count > 0)
        {
            yield return CheckOutcome.Pass(string.Join(", ", paths));
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateQemuMachine(CheckInput input)
    {
        if (input.Desired.Vms.Count == 0 || input.Desired.Host.LibvirtUri is not null)
        {
            yield break; // no VMs here, or they run where libvirt_uri points, not on this host's QEMU
        }

        if (input.Facts.Deep is null)
        {
            yield return CheckOutcome.Skip("the host's QEMU is read by `provision check` only");
            yield break;
        }

        if (input.Facts.Deep.Qemu is not { } qemu)
        {
            yield return new(CheckStatus.Fail, "no QEMU on the host (/usr/libexec/qemu-kvm, /usr/bin/qemu-system-x86_64)", "run 'provision apply': it installs " + string.Join(' ', input.Desired.Packages.Where(p => p.StartsWith("qemu-kvm", StringComparison.Ordinal) || p.StartsWith("qemu-system", StringComparison.Ordinal))));
            yield break;
        }

        var failed = false;
        if (!qemu.Machines.Contains("q35"))
        {
            failed = true;
            yield return new(CheckStatus.Fail, $"{qemu.Name} has no q35 machine type, which every worker domain uses");
        }

        if (qemu.Version is { } version && version < SmmQemu)
        {
            foreach (var loader in input.Desired.Vms.Select(v => v.Vm.Firmware).Where(f => f.SecureBoot).Select(f => f.Loader).Distinct(StringComparer.Ordinal))
            {
                failed = true;
                yield return new(CheckStatus.Fail, $"{loader} is a secure-boot OVMF build, which stops without SMM, and {qemu.Name} has none (QEMU 2.4 added it)");
            }
        }

        if (!failed)
        {
            yield return CheckOutcome.Pass($"{qemu.Name} has q35" + (input.Desired.Vms.Any(v => v.Vm.Firmware.SecureBoot) ? " and SMM for the secure-boot OVMF" : ""));
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateLibvirtd(CheckInput input)
    {
        if (input.Desired.Vms.Count == 0)
        {
            yield break;
        }

        if (input.Desired.Host.LibvirtUri is { } uri)
        {
            yield return input.Facts.Domains is null ? new(CheckStatus.Fail, $"libvirt at {uri} was not reached") : CheckOutcome.Pass($"reached at {uri}");
        }
        else
        {
            yield return input.Facts.LibvirtSocket is { } socket ? CheckOutcome.Pass(socket) : new(CheckStatus.Fail, "no libvirt socket in /run/libvirt: the daemon is not running");
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateVmRunning(CheckInput input)
    {
        if (input.Desired.Vms.Count == 0)
        {
            yield break;
        }

        if (input.Facts.Domains is not { } domains)
        {
            yield return new(CheckStatus.Fail, "libvirt was not read: the VMs' state is unknown", "see the libvirtd check");
            yield break;
        }

        foreach (var vm in input.Desired.Vms)
        {
            var domain = domains.FirstOrDefault(d => d.Name == vm.Vm.Name);
            if (domain is null)
            {
                yield return new(CheckStatus.Fail, $"{vm.Vm.Name} is not defined");
                continue;
            }

            if (domain.State != "running")
            {
                yield return new(CheckStatus.Fail, $"{vm.Vm.Name} is {domain.State}");
            }

            if (!domain.Autostart)
            {
                yield return new(CheckStatus.Fail, $"{vm.Vm.Name} does not autostart", $"virsh autostart {vm.Vm.Name} (or 'provision apply')");
            }
        }

        yield return CheckOutcome.Pass($"{input.Desired.Vms.Count} VMs running, autostarted");
    }

    public static IEnumerable<CheckOutcome> EvaluateConsoleLocalhost(CheckInput input)
    {
        foreach (var domain in input.Facts.Domains ?? [])
        {
            foreach (var graphics in XDocument.Parse(domain.Xml).Descendants("graphics"))
            {
                var addresses = graphics.Elements("listen").Select(l => (string?)l.Attribute("address")).Append((string?)graphics.Attribute("listen")).OfType<string>();
                foreach (var address in addresses.Where(a => !Facts.ListenerFacts.IsLoopback(a)).Distinct())
                {
                    yield return new(CheckStatus.Fail, $"{domain.Name}'s {graphics.Attribute("type")?.Value} console listens on {address}");
                }
            }
        }

        if (input.Facts.Listeners is not { } listeners)
        {
            yield return CheckOutcome.Skip("the host's listening sockets were not read");
            yield break;
        }

        foreach (var listener in listeners.Where(l => l.Port is >= ConsolePortFirst and <= ConsolePortLast && !l.Loopback).Distinct())
        {
            yield return new(CheckStatus.Fail, $"something listens on {listener.Address}:{listener.Port} (the VNC/SPICE range) beyond localhost");
        }

        yield return CheckOutcome.Pass("no console port open beyond localhost");
    }

    public static IEnumerable<CheckOutcome> EvaluateLargeBar(CheckInput input)
    {
        foreach (var vm in input.Desired.Vms)
        {
            var bars = vm.Gpu.Functions.SelectMany(f => input.Facts.Bars.GetValueOrDefault(f.Address.ToString()) ?? []).ToList();
            if (bars.Count == 0)
            {
                continue;
            }

            var total = bars.Sum();
            // Older OVMF builds reserve a 32 GiB 64-bit MMIO window; guest RAM and the window share the guest's physical address space.
            if (total > 32 * GiB || (bars.Max() >= 16 * GiB && vm.Vm.Memory.Bytes >= 64 * GiB))
            {
                yield return new(CheckStatus.Warn, $"{vm.Vm.Name}: GPU {vm.Gpu.Address} has {total / GiB} GiB of BARs (largest {bars.Max() / GiB} GiB) and the guest {vm.Vm.Memory} of RAM");
            }
            else
            {
                yield return CheckOutcome.Pass($"{vm.Vm.Name}: {Mib(total)} MiB of BARs");
            }
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateGuestGpu(CheckInput input)
    {
        if (input.Desired.Vms.Count == 0)
        {
            yield break;
        }

        if (input.Guests is not { } guests)
        {
            yield return CheckOutcome.Skip("the guests were not asked");
            yield break;
        }

        foreach (var vm in input.Desired.Vms)
        {
            var report = guests.GetValueOrDefault(vm.Vm.Name);
            if (report is null || report.AgentProblem == "not connected")
            {
                yield return CheckOutcome.Skip($"{vm.Vm.Name}: no guest agent connected (VM not running, still booting, or no qemu-guest-agent in the image)");
            }
            else if (!report.AgentAnswered)
            {
                yield return new(CheckStatus.Fail, $"{vm.Vm.Name}: the guest agent is connected but does not answer: {report.AgentProblem}", "check qemu-guest-agent inside the VM (systemctl status qemu-guest-agent)");
            }
            else
            {
                yield return report.GpuProblem is null ? CheckOutcome.Pass($"{vm.Vm.Name}: one GPU" + (report.GpuSeen is { } seen ? $" ({seen})" : "")) : new(CheckStatus.Fail, $"{vm.Vm.Name}: {report.GpuProblem}");
            }
        }
    }

    public static IEnumerable<CheckOutcome> EvaluateGuestFarm(CheckInput input)
    {
        var workers = input.Desired.Vms.Where(v => GuestFarmProbe.HasAnythingToAsk(v.Vm.Worker)).ToList();
        if (workers.Count == 0)
        {
            yield return CheckOutcome.Skip("no VM has a queue or a share to reach");
            yield break;
        }

        if (input.Guests is not { } guests)
        {
            yield return CheckOutcome.Skip("the guests were not asked");
            yield break;
        }

        foreach (var vm in workers)
        {
            var report = guests.GetValueOrDefault(vm.Vm.Name);
            if (report?.FarmProblems is not { } problems)
            {
                yield return CheckOutcome.Skip($"{vm.Vm.Name}: no guest agent answering (VM not running, still booting, or no qemu-guest-agent in the image)");
            }
            else if (problems.Count > 0)
            {
                yield return new(CheckStatus.Fail, $"{vm.Vm.Name}: " + string.Join("; ", problems));
            }
            else
            {
                yield return CheckOutcome.Pass($"{vm.Vm.Name}: " + string.Join("; ", report.FarmFine));
            }
        }
    }

    private static bool Running(CheckInput input, string name) => input.Facts.Domains?.Any(d => d.Name == name && d.State == "running") == true;

    private static long Mib(long bytes) => bytes >> 20;
}
