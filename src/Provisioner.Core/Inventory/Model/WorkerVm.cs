using System.Net;
using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>The worker VM of one GPU. <see cref="Uuid"/> and the MAC are derived from host + GPU, so re-renders never change them.</summary>
public sealed record WorkerVm(
    string Name,
    Guid Uuid,
    int Vcpus,
    ByteSize Memory,
    bool HugepageBacked,
    ByteSize OsDisk,
    ByteSize WorkDisk,
    string DomainType,
    bool Passthrough,
    bool NumaPlacement,
    string Console,
    Firmware Firmware,
    BaseImage Image,
    VmNetwork Network,
    IReadOnlyList<VmUser> Users,
    WorkerSettings Worker);

/// <summary>The VM's UEFI code and vars template. <see cref="FromDefaults"/>: not set in the inventory, so the host's OS decides (os: auto is known only from facts).</summary>
public sealed record Firmware(string Loader, string NvramTemplate)
{
    public bool FromDefaults { get; init; }

    /// <summary>
    /// A secure-boot build of OVMF (EL7's only one, OVMF_CODE.secboot.fd; Debian's *.secboot.fd
    /// and *.ms.fd): it stops at once unless QEMU emulates SMM, so its domain turns SMM on and
    /// marks the loader secure, and the host's QEMU must have SMM (2.4 and later).
    /// </summary>
    public bool SecureBoot => System.IO.Path.GetFileName(Loader) is var name
        && (name.Contains(".secboot.", StringComparison.Ordinal) || name.EndsWith(".ms.fd", StringComparison.Ordinal));

    /// <summary>Where each OS family's OVMF package puts its files.</summary>
    public static Firmware DefaultFor(OsFamily os) => os switch
    {
        OsFamily.El7 => new("/usr/share/OVMF/OVMF_CODE.secboot.fd", "/usr/share/OVMF/OVMF_VARS.fd") { FromDefaults = true },
        OsFamily.Debian or OsFamily.Ubuntu => new("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd") { FromDefaults = true },
        _ => new("/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd") { FromDefaults = true },
    };
}

public sealed record BaseImage(string Url, string Sha256);

/// <summary>A null <see cref="Address"/> means DHCP.</summary>
public sealed record VmNetwork(string Bridge, MacAddress Mac, IpCidr? Address, IPAddress? Gateway, IReadOnlyList<IPAddress> Dns);

public sealed record VmUser(string Name, IReadOnlyList<string> SshAuthorizedKeys, bool Sudo)
{
    /// <summary>
    /// Users a Debian, Ubuntu or EL cloud image already has (base-passwd, systemd, the image's
    /// services) and the worker's own: useradd refuses them. Groups of the same name (render,
    /// video, input...) are no obstacle: the seed makes each user without a group of its own.
    /// </summary>
    public static bool IsSystemAccount(string name) => SystemAccounts.Contains(name) || name.StartsWith("systemd-", StringComparison.Ordinal);

    private static readonly HashSet<string> SystemAccounts = new(StringComparer.Ordinal)
    {
        "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup",
        "list", "irc", "gnats", "nobody", "_apt", "messagebus", "sshd", "syslog", "uuidd", "tcpdump", "tss", "landscape",
        "pollinate", "polkitd", "lxd", "adm", "halt", "shutdown", "operator", "ftp", "chrony", "dbus", "rpc", "rpcuser",
        "nfsnobody", "statd", "redis", "libvirt-qemu", "qemu", "ubuntu", "debian", "centos", "rocky", "almalinux", "cloud-user",
        "ec2-user", "provision-worker",
    };
}

/// <summary>
/// What runs in the VM: the worker kind and its queue or manager, the render device, and what
/// the VM's first boot installs (each download pinned by sha256; null: not installed by us).
/// </summary>
public sealed record WorkerSettings(string Kind, string? QueueUrl, SecretRef? QueuePassword, string? ManagerUrl, string Device)
{
    public BaseImage? Blender { get; init; }

    /// <summary>farm.storage: the share the VM mounts (null: none; jobs stay on the work disk).</summary>
    public FarmStorage? Storage { get; init; }

    /// <summary>worker.blender: system: the guest distribution's blender package instead of a pinned tarball.</summary>
    public bool SystemBlender { get; init; }

    public BaseImage? Agent { get; init; }

    public BaseImage? Flamenco { get; init; }

    public IReadOnlyList<string> NvidiaPackages { get; init; } = [];

    /// <summary>Agent processes on the VM's one GPU; above 1 the unit is a template, one instance per process.</summary>
    public int ProcessesPerGpu { get; init; } = 1;

    /// <summary>worker.gl: none, egl or xorg (<see cref="GlPayload"/>).</summary>
    public string Gl { get; init; } = GlPayload.None;

    /// <summary>The packages <see cref="Gl"/> adds to the VM's first boot, beside <see cref="NvidiaPackages"/>.</summary>
    public IReadOnlyList<string> GlPackages { get; init; } = [];

    /// <summary>BlenderProc's wheel (pinned); null: --blenderproc jobs are refused in this VM.</summary>
    public BaseImage? Blenderproc { get; init; }

    /// <summary>The worker's systemd unit file: a template (one instance per process) when the GPU runs several.</summary>
    public string UnitFileName => ProcessesPerGpu > 1 ? "provision-worker@.service" : "provision-worker.service";

    /// <summary>The units first boot enables and starts: provision-worker.service, or provision-worker@1.service ... @N.</summary>
    public IReadOnlyList<string> UnitsToStart => ProcessesPerGpu > 1
        ? [.. Enumerable.Range(1, ProcessesPerGpu).Select(i => $"provision-worker@{i}.service")]
        : ["provision-worker.service"];

    /// <summary>
    /// Blender's -t for each agent process: the vCPUs left after the system's share (one of 4-7,
    /// two of 8 or more: the agent, sshd and the guest agent must not wait behind a render, and
    /// a VM that stops answering its heartbeat loses its task), split evenly between the processes.
    /// </summary>
    public static int BlenderThreads(int vcpus, int processes)
    {
        var reserved = vcpus >= 8 ? 2 : vcpus >= 4 ? 1 : 0;
        return Math.Max(1, (vcpus - reserved) / Math.Max(1, processes));
    }

    /// <summary>The last path segment of a URL, without query or fragment: the name a download is saved under.</summary>
    public static string FileNameOf(string url)
    {
        var path = url.Split('?', '#')[0];
        return path[(path.LastIndexOf('/') + 1)..];
    }

    /// <summary>blenderproc-2.7.1-py3-none-any.whl: the only file name pip installs BlenderProc's pure-Python wheel from.</summary>
    public static bool IsBlenderprocWheel(string fileName) =>
        System.Text.RegularExpressions.Regex.IsMatch(fileName, "\\Ablenderproc-[0-9][0-9A-Za-z.+]{0,40}-py3-none-any\\.whl\\z");

    /// <summary>The driver packages a GPU worker gets when the inventory names none (Ubuntu 22.04/24.04 server LTS branch).</summary>
    public static readonly IReadOnlyList<string> DefaultNvidiaPackages = ["nvidia-headless-535-server", "nvidia-utils-535-server"];
}
