using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Dto;

public sealed class VmDto : Dto
{
    [Doc("VM name (default HOST-gpuN): lower-case letters, digits and '-'.")]
    public YamlScalar? Name { get; set; }

    [ScalarType("integer"), Doc("Virtual CPUs (default 8).")]
    public YamlScalar? Vcpus { get; set; }

    [Doc("Guest memory, e.g. 24GiB (default 24GiB).")]
    public YamlScalar? Memory { get; set; }

    [ScalarType("boolean"), Doc("Back guest memory with the host's hugepages (default true).")]
    public YamlScalar? Hugepages { get; set; }

    [Doc("OS disk size, grown from the base image (default 100GiB).")]
    public YamlScalar? OsDisk { get; set; }

    [Doc("Work disk size for scenes, caches and output (default 200GiB).")]
    public YamlScalar? WorkDisk { get; set; }

    [OneOf("kvm", "qemu"), Doc("libvirt domain type: kvm (default) or qemu (software emulation, for labs).")]
    public YamlScalar? DomainType { get; set; }

    [OneOf("auto", "none"), Doc("NUMA placement (default auto): vCPUs pinned to the CPUs of the GPU's NUMA node and guest memory (hugepages included) taken from that node, read from the host's facts; none: no pinning.")]
    public YamlScalar? Numa { get; set; }

    [ScalarType("boolean"), Doc("Pass the GPU (every function of it) through to the VM (default true). false only for labs and CI without GPUs: the domain gets no hostdev.")]
    public YamlScalar? Passthrough { get; set; }

    [OneOf("none", "vnc", "spice"), Doc("Graphical console (default none). Always bound to 127.0.0.1: reach it through an SSH tunnel.")]
    public YamlScalar? Console { get; set; }

    [Doc("UEFI firmware files (default: the OS family's OVMF paths).")]
    public FirmwareDto? Firmware { get; set; }

    [Doc("Cloud base image the OS disk is made from.")]
    public ImageDto? Image { get; set; }

    [Doc("The VM's network interface.")]
    public VmNetworkDto? Network { get; set; }

    [Doc("Login users: SSH keys only, passwords are locked.")]
    public List<VmUserDto>? Users { get; set; }

    [Doc("The render worker run inside the VM.")]
    public WorkerDto? Worker { get; set; }
}

public sealed class FirmwareDto : Dto
{
    [Doc("OVMF code file (read-only pflash).")]
    public YamlScalar? Loader { get; set; }

    [Doc("OVMF variables template copied to the VM's own nvram file.")]
    public YamlScalar? NvramTemplate { get; set; }
}

public sealed class ImageDto : Dto
{
    [RequiredKey, Doc("http(s) URL of a qcow2 or raw cloud image.")]
    public YamlScalar? Url { get; set; }

    [RequiredKey, Doc("sha256 of the image file (64 hex digits); a download that does not match is refused.")]
    public YamlScalar? Sha256 { get; set; }
}

public sealed class VmNetworkDto : Dto
{
    [Doc("Host bridge the VM's NIC attaches to (default: the host's bridge, else br0).")]
    public YamlScalar? Bridge { get; set; }

    [OneOf("dhcp", "static"), Doc("dhcp (default) or static.")]
    public YamlScalar? Mode { get; set; }

    [Doc("Static address with prefix, e.g. 10.20.0.21/24.")]
    public YamlScalar? Address { get; set; }

    [Doc("Default gateway for a static address.")]
    public YamlScalar? Gateway { get; set; }

    [Doc("DNS servers for a static address.")]
    public List<YamlScalar>? Dns { get; set; }

    [Doc("MAC address (default: derived from host name and GPU address, stable across re-renders).")]
    public YamlScalar? Mac { get; set; }
}

public sealed class VmUserDto : Dto
{
    [RequiredKey, Doc("Login name.")]
    public YamlScalar? Name { get; set; }

    [Doc("SSH public keys allowed to log in (at least one).")]
    public List<YamlScalar>? SshAuthorizedKeys { get; set; }

    [ScalarType("boolean"), Doc("Passwordless sudo (default false).")]
    public YamlScalar? Sudo { get; set; }
}

public sealed class WorkerDto : Dto
{
    [OneOf("queue", "flamenco", "none"), Doc("queue (Provisioner's Redis queue worker, default), flamenco, or none.")]
    public YamlScalar? Kind { get; set; }

    [Doc("redis://host:port/db of the render queue (kind: queue), or redis-sentinel://HOST1,HOST2,HOST3/SERVICE for a Sentinel-managed primary (docs/farm.md).")]
    public YamlScalar? QueueUrl { get; set; }

    [Doc("Queue password as a reference: ${env:NAME} or ${file:/path}. Never inline.")]
    public YamlScalar? QueuePassword { get; set; }

    [Doc("Flamenco manager URL (kind: flamenco).")]
    public YamlScalar? ManagerUrl { get; set; }

    [OneOf("OPTIX", "CUDA", "CPU", "OPTIX,CUDA"), Doc("Cycles render device (default OPTIX). OPTIX,CUDA: OptiX, else CUDA on the same card (never the CPU), recorded on the task.")]
    public YamlScalar? Device { get; set; }

    [OrScalar("system", nameof(BlenderScalar)), Doc("Blender installed in the VM by its first boot: a Linux x64 .tar.xz (download.blender.org or your mirror), pinned by sha256, unpacked to /opt and linked as /usr/local/bin/blender, with the X11/GL libraries it links installed when missing; or `system`: the guest distribution's blender package.")]
    public DownloadDto? Blender { get; set; }

    [NotAKey]
    public YamlScalar? BlenderScalar { get; set; }

    [Doc("The provision-worker agent (kind: queue): the release tarball `provision-worker-VERSION-linux-x64.tar.gz` that `tools/release.sh` makes (self-contained, no .NET needed in the VM), pinned by the sha256 in its `.sha256` file.")]
    public DownloadDto? Agent { get; set; }

    [Doc("The Flamenco worker (kind: flamenco): flamenco-VERSION-linux-amd64.tar.gz, pinned by sha256.")]
    public DownloadDto? Flamenco { get; set; }

    [Doc("Guest packages with the NVIDIA driver and nvidia-smi (default for OPTIX/CUDA: nvidia-headless-535-server, nvidia-utils-535-server; none for CPU). [] installs none.")]
    public List<YamlScalar>? NvidiaPackages { get; set; }

    [OneOf("none", "egl", "xorg"), Doc("OpenGL for EEVEE and Workbench jobs (default none). egl: the driver branch's GL libraries (libnvidia-gl-NNN: the headless driver packages have none), and Blender draws through EGL with no display; xorg: also an X server on the VM's NVIDIA GPU with a headless configuration (provision-xorg.service, no TCP, cookie-protected), for a Blender that needs GLX. With device CPU: Mesa's software GL.")]
    public YamlScalar? Gl { get; set; }

    [ScalarType("integer"), Doc("Agent processes sharing the VM's GPU (kind: queue; 1-8, default 1): for small scenes and generation scripts that leave the card idle between frames. Each is its own worker (VM-NAME-1, VM-NAME-2...) with its own work folder and an even share of the vCPUs as Blender threads.")]
    public YamlScalar? ProcessesPerGpu { get; set; }

    [Doc("BlenderProc for --blenderproc generation jobs (kind: queue; needs 'blender'): its wheel, blenderproc-VERSION-py3-none-any.whl, pinned by sha256, installed in its own venv with its dependencies from the VM's package index; first boot then runs it once so it installs its Python packages into Blender's folder while that is still writable.")]
    public DownloadDto? Blenderproc { get; set; }
}

public sealed class DownloadDto : Dto
{
    [RequiredKey, Doc("http(s) URL of the file.")]
    public YamlScalar? Url { get; set; }

    [RequiredKey, Doc("sha256 of the file (64 hex digits): the VM refuses anything else.")]
    public YamlScalar? Sha256 { get; set; }
}
