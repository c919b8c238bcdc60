namespace Provisioner.Core.Desired;

/// <summary>
/// The files apply keeps on a host for each worker VM, beside its seed ISO: the NoCloud
/// documents the ISO is built from. Compared like any managed file, so a changed seed shows as
/// a diff (user-data stays hidden when it is sensitive) and the ISO is rebuilt only then.
/// </summary>
public static class VmFiles
{
    public static string SeedDirectory(VmDesiredState vm) => Parent(vm.Seed.IsoPath);

    /// <summary>
    /// The folders libvirt's QEMU, which runs as an unprivileged user (libvirt-qemu), must pass
    /// through to open the VM's disks and seed ISO: each disk's folder, the seed's folder and the
    /// one holding it. Apply and the runbook make them traversable (go+x), not listable.
    /// </summary>
    public static IReadOnlyList<string> QemuFolders(VmDesiredState vm) =>
        [.. vm.Disks.Select(d => Parent(d.Path)).Append(SeedDirectory(vm)).Append(Parent(SeedDirectory(vm))).Distinct(StringComparer.Ordinal)];

    public static IReadOnlyList<ManagedFile> Seed(VmDesiredState vm)
    {
        var dir = SeedDirectory(vm);
        return
        [
            new(dir + "/user-data", vm.Seed.UserData, "0600", "root", "root", vm.Seed.Sensitive, [], "vm/user-data.sbn", $"cloud-init user-data of {vm.Vm.Name}"),
            new(dir + "/meta-data", vm.Seed.MetaData, "0644", "root", "root", false, [], "vm/meta-data.sbn", $"cloud-init meta-data of {vm.Vm.Name} (instance-id {vm.Seed.InstanceId})"),
            new(dir + "/network-config", vm.Seed.NetworkConfig, "0644", "root", "root", false, [], "vm/network-config.sbn", $"cloud-init network-config of {vm.Vm.Name}"),
        ];
    }

    /// <summary>Paths whose existence is a fact (their content is never read: disks are gigabytes).</summary>
    public static IEnumerable<string> ExistencePaths(VmDesiredState vm) =>
        [vm.BaseImage.CachePath, .. vm.Disks.Select(d => d.Path), vm.Seed.IsoPath, .. FirmwarePaths(vm)];

    /// <summary>What the VM's UEFI boot needs on the host: the OVMF code and its vars template (libvirt makes the nvram file from it).</summary>
    public static IReadOnlyList<string> FirmwarePaths(VmDesiredState vm) => [vm.Vm.Firmware.Loader, vm.Vm.Firmware.NvramTemplate];

    private static string Parent(string path) => path[..path.LastIndexOf('/')];
}
