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

public sealed record Firmware(string Loader, string NvramTemplate);

public sealed record BaseImage(string Url, string Sha256);

/// <summary>A null <see cref="Address"/> means DHCP.</summary>
public sealed record VmNetwork(string Bridge, MacAddress Mac, IpCidr? Address, IPAddress? Gateway, IReadOnlyList<IPAddress> Dns);

public sealed record VmUser(string Name, IReadOnlyList<string> SshAuthorizedKeys, bool Sudo);

public sealed record WorkerSettings(string Kind, string? QueueUrl, SecretRef? QueuePassword, string? ManagerUrl, string Device);
