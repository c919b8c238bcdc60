using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Desired;

/// <summary>Everything Provisioner wants true on one host, as typed resources.</summary>
public sealed record HostDesiredState(
    Host Host,
    OsFamily Os,
    IReadOnlyList<string> Packages,
    IReadOnlyList<string> Services,
    IReadOnlyList<string> Modules,
    KernelArgs KernelArgs,
    VfioBinding Vfio,
    HugepageSettings Hugepages,
    IReadOnlyList<ManagedFile> Files,
    IReadOnlyList<VmDesiredState> Vms);
