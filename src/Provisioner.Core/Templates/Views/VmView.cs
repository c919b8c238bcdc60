namespace Provisioner.Core.Templates.Views;

/// <summary>`vm.*` in VM and worker templates.</summary>
public sealed record VmView(
    string Name,
    string Uuid,
    string GpuAddress,
    string? GpuModel,
    int Vcpus,
    long MemoryKib,
    bool Hugepages,
    long HugepageSizeKib,
    string DomainType,
    string Console,
    string Loader,
    bool LoaderSecure,
    string NvramTemplate,
    string NvramPath,
    string OsDisk,
    string WorkDisk,
    string SeedIso,
    string Bridge,
    string Mac,
    IReadOnlyList<HostdevView> Hostdevs,
    VmNetworkView Network,
    IReadOnlyList<VmUserView> Users,
    WorkerView Worker);

public sealed record HostdevView(string Domain, string Bus, string Slot, string Function);

/// <summary><see cref="DefaultRoute"/>: 0.0.0.0/0 or ::/0, as the gateway's family has it (cloud-init before 23.1 renders 'to: default' only through netplan: Debian 12's refuses it, and the VM comes up with no address).</summary>
public sealed record VmNetworkView(string? Address, string? Gateway, IReadOnlyList<string> Dns)
{
    public string DefaultRoute => Gateway?.Contains(':', StringComparison.Ordinal) == true ? "::/0" : "0.0.0.0/0";
}

public sealed record VmUserView(string Name, IReadOnlyList<string> Keys, bool Sudo);

/// <summary><see cref="QueuePassword"/> is the secret's reference text (e.g. ${env:NAME}), never its value.</summary>
public sealed record WorkerView(string Kind, string Device, string? QueueUrl, string? QueuePassword, string? ManagerUrl, string UnitName, string Exec, string Args)
{
    /// <summary>What the VM's first boot downloads (sha256-pinned); null when the inventory leaves it out.</summary>
    public DownloadView? Blender { get; init; }

    public DownloadView? Agent { get; init; }

    public DownloadView? Flamenco { get; init; }

    public IReadOnlyList<string> NvidiaPackages { get; init; } = [];

    /// <summary>The GPU's hourly rate as the worker reads it (invariant, e.g. "0.85"); null when the inventory sets none.</summary>
    public string? HourlyCost { get; init; }

    /// <summary>°C above which the worker flags heat; null leaves the worker's default (80).</summary>
    public int? TemperatureLimit { get; init; }

    /// <summary>Agent processes on the GPU (worker.processes_per_gpu); above 1 the unit is a template.</summary>
    public int Processes { get; init; } = 1;

    /// <summary>The units first boot enables and starts, in order.</summary>
    public IReadOnlyList<string> Units { get; init; } = [];

    /// <summary>Blender's -t for each process: the vCPUs the system does not keep, shared evenly between the processes (WorkerSettings.BlenderThreads).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>farm.storage: the NFS share the VM mounts; null when the inventory has none.</summary>
    public StorageView? Storage { get; init; }

    /// <summary>Where jobs may read scenes and write frames (PROVISION_ALLOWED_ROOTS, the unit's ReadWritePaths): the work disk, and the share.</summary>
    public IReadOnlyList<string> WritablePaths { get; init; } = ["/srv/work"];

    /// <summary>worker.blender: system: the guest's blender package (first boot installs it), not a tarball.</summary>
    public bool SystemBlender { get; init; }

    /// <summary>worker.gl: none, egl or xorg; <see cref="GlPackages"/> are what it adds to the VM's packages.</summary>
    public string Gl { get; init; } = "none";

    public IReadOnlyList<string> GlPackages { get; init; } = [];

    /// <summary>BlenderProc's pinned wheel, and its file name (pip needs it); null when the inventory installs none.</summary>
    public DownloadView? Blenderproc { get; init; }

    public string? BlenderprocWheel { get; init; }
}

/// <summary>farm.storage as the VM mounts it: <see cref="Source"/> is SERVER:/export, <see cref="Options"/> the fstab options (vers= first).</summary>
public sealed record StorageView(string Source, string Mount, string Options);

/// <summary>A pinned download; <see cref="Short"/> (first 12 hex digits) names its install directory so a new version lands beside the old one.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "templates read it as download.short: renaming it would break users' template overrides")]
public sealed record DownloadView(string Url, string Sha256, string Short);
