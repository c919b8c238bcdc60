using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

[Doc("The render farm around the worker VMs: what `provision farm` reads besides the workers' queue settings.")]
public sealed class FarmDto : Dto
{
    [Doc("`provision farm serve -I INVENTORY`: the HTTP API, dashboard and /metrics.")]
    public FarmServiceDto? Service { get; set; }

    [Doc("The shared storage every worker VM mounts (NFS), where scenes are read in place and frames written.")]
    public FarmStorageDto? Storage { get; set; }
}

[Doc("An NFS export every worker VM mounts at the same path (first boot writes its fstab line and mounts it). The workers write there as the VM's provision-worker user: export it with all_squash to one owner (anonuid/anongid) or make the folder writable to them.")]
public sealed class FarmStorageDto : Dto
{
    [RequiredKey, Doc("The NFS server's DNS name or IP address, as the VMs reach it.")]
    public YamlScalar? Server { get; set; }

    [RequiredKey, Doc("The exported path on the server (NFSv4: the path in its pseudo file system), e.g. /srv/farm.")]
    public YamlScalar? Export { get; set; }

    [Doc("Where every VM mounts it (default /srv/farm). Jobs may read scenes and write frames there: the worker's unit opens it for writing and PROVISION_ALLOWED_ROOTS names it.")]
    public YamlScalar? Mount { get; set; }

    [OneOf("4", "4.1", "4.2", "3"), Doc("NFS protocol version (default 4: the highest 4.x both sides speak). 3 adds nolock,local_lock=all: no lock daemon needed, locks stay on each VM.")]
    public YamlScalar? Version { get; set; }

    [Doc("Mount options instead of the defaults (noatime; with version 3 also nolock,local_lock=all), e.g. [noatime, hard, rsize=1048576, wsize=1048576]. vers= comes from 'version'.")]
    public List<YamlScalar>? Options { get; set; }
}

public sealed class FarmServiceDto : Dto
{
    [Doc("ADDRESS:PORT to listen on (default 127.0.0.1:8420). Anything but loopback needs a token. --listen overrides it.")]
    public YamlScalar? Listen { get; set; }

    [Doc("The bearer token writes, and reads from other machines, must carry, as a reference: ${env:NAME} or ${file:/path} (at least 16 characters, e.g. openssl rand -hex 32). Never inline. --token overrides it.")]
    public YamlScalar? Token { get; set; }
}
