using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Desired;

/// <summary>The base image cached once per host under its sha256, verified before use.</summary>
public sealed record BaseImageResource(string Url, string Sha256, string CachePath);

/// <summary>A VM disk. An existing disk is never overwritten: it is created once, from the image or empty.</summary>
public sealed record VmDisk(string Path, Inventory.Values.ByteSize Size, string Role, bool FromBaseImage);

/// <summary>NoCloud seed documents; the instance-id is a hash of their content so a changed seed is visible.</summary>
public sealed record CloudInitSeed(string InstanceId, string UserData, string MetaData, string NetworkConfig, string IsoPath, bool Sensitive);

public sealed record DomainDefinition(string Name, Guid Uuid, string Xml);

/// <summary>Everything one worker VM needs on its host.</summary>
public sealed record VmDesiredState(
    Gpu Gpu,
    WorkerVm Vm,
    BaseImageResource BaseImage,
    IReadOnlyList<VmDisk> Disks,
    CloudInitSeed Seed,
    DomainDefinition Domain,
    string WorkerUnit)
{
    /// <summary>The first-boot install script inside the user-data (also rendered on its own for review); empty for kind none.</summary>
    public string WorkerInstall { get; init; } = "";

    /// <summary>worker.gl: xorg: the headless X server's unit and the script it runs, written by cloud-init; empty otherwise.</summary>
    public string XorgUnit { get; init; } = "";

    public string XorgScript { get; init; } = "";
}
