namespace Provisioner.Core.Facts;

/// <summary>
/// What one probe of a host found, in one round trip. Pure data: the planner compares it with
/// the desired state; nothing here talks to a host.
/// </summary>
public sealed record HostFacts(
    string Hostname,
    IReadOnlyDictionary<string, string> OsRelease,
    string Kernel,
    string BootId,
    string Cmdline,
    IReadOnlyDictionary<string, FileFacts> Files,
    IReadOnlyList<PciDeviceFacts> PciDevices,
    IReadOnlyList<NumaNodeFacts> NumaNodes,
    IReadOnlyList<string> LoadedModules,
    IReadOnlyList<BootEntryFacts> BootEntries,
    IReadOnlyList<InitramfsFacts> Initramfs,
    IReadOnlyList<string> InstalledPackages,
    IReadOnlyList<int> VfioGroupDevices)
{
    /// <summary>
    /// No facts at all: what an offline plan plans against (every host assumed empty). The
    /// planner runs no pre-flight on these: nothing was read that could pass or fail.
    /// </summary>
    public static HostFacts Unread(string hostname) =>
        new(hostname, new Dictionary<string, string>(), "", "", "", new Dictionary<string, FileFacts>(), [], [], [], [], [], [], []) { IsUnread = true };

    /// <summary>True for <see cref="Unread"/>: nothing was read from the host.</summary>
    public bool IsUnread { get; init; }

    /// <summary>/dev/vfio/N exists for some group: the vfio stack is up.</summary>
    public bool DevVfio => VfioGroupDevices.Count > 0;

    public string OsId => OsRelease.GetValueOrDefault("ID", "");

    /// <summary>The running kernel's arguments, one word each (/proc/cmdline split on spaces).</summary>
    public IReadOnlyList<string> CmdlineArgs => Cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public string OsVersionId => OsRelease.GetValueOrDefault("VERSION_ID", "");

    /// <summary>IOMMU groups exist only when the running kernel has the IOMMU on.</summary>
    public bool IommuActive => PciDevices.Any(d => d.IommuGroup is not null);

    public PciDeviceFacts? Device(string bdf) => PciDevices.FirstOrDefault(d => d.Address == bdf);

    public IEnumerable<PciDeviceFacts> GroupMembers(int group) => PciDevices.Where(d => d.IommuGroup == group);

    /// <summary>The services the probe was asked about (systemctl is-enabled / is-active).</summary>
    public IReadOnlyList<ServiceFacts> Services { get; init; } = [];

    /// <summary>"DMAR" (Intel VT-d) or "IVRS" (AMD-Vi) when the firmware enables the IOMMU, "none" when it does not, null when unknown (no ACPI tables to read).</summary>
    public string? FirmwareIommu { get; init; }

    /// <summary>Paths asked about for existence only (base images, VM disks, seed ISOs) that exist.</summary>
    public IReadOnlySet<string> ExistingPaths { get; init; } = new HashSet<string>();

    /// <summary>The libvirt daemon's socket on the host, or null when no daemon listens.</summary>
    public string? LibvirtSocket { get; init; }

    /// <summary>The worker domains as libvirt has them (read through the libvirt transport); null when libvirt was not read.</summary>
    public IReadOnlyList<DomainFacts>? Domains { get; init; }

    public ServiceFacts? Service(string name) => Services.FirstOrDefault(s => s.Name == name);

    /// <summary>The CPU as /proc/cpuinfo shows it; null when not read.</summary>
    public CpuFacts? Cpu { get; init; }

    /// <summary>Whether interrupts are remapped (/proc/interrupts has IR- chips); null when not read.</summary>
    public bool? InterruptRemapping { get; init; }

    /// <summary>TCP sockets listening on the host (/proc/net/tcp and tcp6); null when not read.</summary>
    public IReadOnlyList<ListenerFacts>? Listeners { get; init; }

    /// <summary>The memory BARs (bytes) of each display device, by PCI address.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> Bars { get; init; } = new Dictionary<string, IReadOnlyList<long>>();

    /// <summary>What the deep probe (check, discover) read; null for plan/apply's quick probe.</summary>
    public DeepFacts? Deep { get; init; }

    /// <summary>systemd-boot's loader.conf when the host has one (its entries, not GRUB, hold the kernel arguments); null otherwise.</summary>
    public string? SystemdBootLoader { get; init; }

    /// <summary>The PCI drivers that have a module link (/sys/bus/pci/drivers/D/module), by driver name.</summary>
    public IReadOnlyDictionary<string, PciDriverFacts> PciDrivers { get; init; } = new Dictionary<string, PciDriverFacts>();

    /// <summary>
    /// A driver as the kernel has it: its module and whether it is built in. Where module links
    /// were read, a driver bound to a device but with none is built in, its module unknown (its
    /// own name stands in). Null when that is not known.
    /// </summary>
    public PciDriverFacts? DriverInfo(string driver) =>
        PciDrivers.TryGetValue(driver, out var known) ? known
        : PciDrivers.Count > 0 && PciDevices.Any(d => d.Driver == driver) ? new PciDriverFacts(driver, driver.Replace('-', '_'), true) : null;
}

/// <summary>
/// A PCI driver (as sysfs and lspci's "Kernel driver in use" name it), the module that provides
/// it (what modprobe.d's softdep and blacklist take: driver nvidia-gpu is module i2c_nvidia_gpu,
/// xhci_hcd is xhci_pci), and whether that module is built into the kernel.
/// </summary>
public sealed record PciDriverFacts(string Driver, string Module, bool BuiltIn);

/// <summary>CPU vendor ("GenuineIntel"/"AuthenticAMD"), model name, logical CPUs, and the virtualization flag (vmx/svm) or null when the firmware has it off.</summary>
public sealed record CpuFacts(string Vendor, string Model, int Count, string? VirtualizationFlag)
{
    public bool IsAmd => Vendor == "AuthenticAMD";
}

/// <summary>A listening TCP socket: its local address ("0.0.0.0", "127.0.0.1", "::", ...) and port.</summary>
public sealed record ListenerFacts(string Address, int Port)
{
    public bool Loopback => IsLoopback(Address);

    /// <summary>"localhost", 127.0.0.0/8 or ::1.</summary>
    public static bool IsLoopback(string address) => address == "localhost" || (System.Net.IPAddress.TryParse(address, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}

/// <summary>
/// Facts only `check` and `discover` read (they cost more than a plan may): what the initramfs
/// of the running kernel holds, names of PCI devices (the host's pci.ids), network interfaces.
/// </summary>
public sealed record DeepFacts(
    IReadOnlyDictionary<string, IReadOnlyList<string>> InitramfsEntries,
    bool VfioPciBuiltin,
    IReadOnlyDictionary<string, PciNameFacts> PciNames,
    IReadOnlyList<NicFacts> Nics)
{
    /// <summary>The host's QEMU, or null when none is installed.</summary>
    public QemuFacts? Qemu { get; init; }

    /// <summary>Each device's /sys path below /sys ("devices/pci0000:c0/0000:c0:01.1/0000:c1:00.0"): the bus hierarchy.</summary>
    public IReadOnlyDictionary<string, string> PciPaths { get; init; } = new Dictionary<string, string>();

    /// <summary>The bridge above <paramref name="address"/> (a root port or switch port), or null on a root bus or when unknown.</summary>
    public string? PciParent(string address) =>
        PciPaths.GetValueOrDefault(address)?.Split('/') is { Length: >= 2 } parts && Inventory.Values.PciAddress.TryParse(parts[^2], out _) ? parts[^2] : null;
}

/// <summary>
/// The QEMU binary libvirt runs: its --version line ("QEMU emulator version 2.12.0 (qemu-kvm-ev-...)")
/// and the machine types its -machine help lists (q35 as an alias of the newest pc-q35-*).
/// </summary>
public sealed record QemuFacts(string Path, string VersionLine, IReadOnlyList<string> Machines)
{
    /// <summary>major.minor from the version line; null if it has none.</summary>
    public Version? Version => System.Text.RegularExpressions.Regex.Match(VersionLine, @"version (\d+)\.(\d+)") is { Success: true } m
        ? new Version(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))
        : null;

    /// <summary>"QEMU 2.12.0 (/usr/libexec/qemu-kvm)" for messages.</summary>
    public string Name => "QEMU " + (System.Text.RegularExpressions.Regex.Match(VersionLine, @"version (\S+)") is { Success: true } m ? m.Groups[1].Value : "of unknown version") + " (" + Path + ")";
}

/// <summary>lspci's names for a device: class, vendor and device.</summary>
public sealed record PciNameFacts(string Class, string Vendor, string Device);

/// <summary>A network interface with its MAC and, for a physical one, its PCI address.</summary>
public sealed record NicFacts(string Name, string Mac, string? PciAddress);

/// <summary>A libvirt domain: its state ("running", "shut off", ...), autostart, and its persistent (inactive) XML.</summary>
public sealed record DomainFacts(string Name, Guid Uuid, string State, bool Autostart, string Xml);

/// <summary>A systemd unit's state as systemctl reports it ("enabled"/"disabled"/..., "active"/"inactive"/...).</summary>
public sealed record ServiceFacts(string Name, string Enabled, string Active)
{
    public bool Running => Enabled == "enabled" && Active == "active";
}

/// <summary>A managed path: missing, or its content (files are small), sha256, mode and owner.</summary>
public sealed record FileFacts(string Path, bool Exists, string? Sha256, string? Mode, string? Owner, string? Group, string? Content, long ModifiedUnix);

public sealed record PciDeviceFacts(string Address, string VendorDevice, string Class, string? Driver, int? IommuGroup, int NumaNode)
{
    /// <summary>
    /// A bridge: a host bridge (class 0600, e.g. AMD's "PCIe Dummy Host Bridge") or a PCI-to-PCI
    /// bridge (0604: root and switch ports). It may share a GPU's IOMMU group, is never bound to
    /// vfio-pci and never passed through: only the group's endpoints go to the VM.
    /// </summary>
    public bool IsBridge => Class.StartsWith("0604", StringComparison.Ordinal) || Class.StartsWith("0600", StringComparison.Ordinal);

    /// <summary>"node N", or "no NUMA node" where sysfs says -1 (one-node machines, 06's WRX90): never "node -1".</summary>
    public string NumaNodeName => NumaNode < 0 ? "no NUMA node" : "node " + NumaNode.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record NumaNodeFacts(int Node, long MemTotalKib, long Hugepages2MTotal, long Hugepages2MFree, long Hugepages1GTotal, long Hugepages1GFree)
{
    /// <summary>The node's CPUs as the kernel lists them (/sys/devices/system/node/nodeN/cpulist), e.g. "0-15,32-47".</summary>
    public string Cpus { get; init; } = "";
}

/// <summary>The kernel arguments the next boot will use, as a boot config holds them (grub.cfg or grubby).</summary>
public sealed record BootEntryFacts(string Source, string Arguments);

/// <summary>An initramfs image for the running kernel and when it was built.</summary>
public sealed record InitramfsFacts(string Path, long ModifiedUnix);
