using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Dto;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>Maps the merged VM settings of one GPU into a <see cref="WorkerVm"/>.</summary>
public sealed class VmMapper(ValueReader read)
{
    public WorkerVm Map(string hostName, OsFamily os, string defaultBridge, Gpu0 gpu, VmDto vm, Dto.Dto at)
    {
        var name = read.Name(vm.Name, "vm.name") ?? $"{hostName}-gpu{gpu.Index}";
        if (vm.Name is null && !Values.SafeText.IsName(name))
        {
            read.Diagnostics.Add(DiagnosticCodes.UnsafeName, at.Location,
                $"the default VM name '{name}' is longer than 63 characters", "set vm.name for this GPU");
        }

        return new WorkerVm(
            Name: name,
            Uuid: Identity.VmUuid(hostName, gpu.Address),
            Vcpus: read.Int(vm.Vcpus, "vm.vcpus", 8, 1, 512),
            Memory: read.Size(vm.Memory, "vm.memory", ByteSize.FromGiB(24)),
            HugepageBacked: read.Bool(vm.Hugepages, "vm.hugepages", true),
            OsDisk: read.Size(vm.OsDisk, "vm.os_disk", ByteSize.FromGiB(100)),
            WorkDisk: read.Size(vm.WorkDisk, "vm.work_disk", ByteSize.FromGiB(200)),
            DomainType: read.Choice(vm.DomainType, "vm.domain_type", Allowed.For<VmDto>(nameof(VmDto.DomainType)), "kvm"),
            Passthrough: read.Bool(vm.Passthrough, "vm.passthrough", true),
            NumaPlacement: read.Choice(vm.Numa, "vm.numa", Allowed.For<VmDto>(nameof(VmDto.Numa)), "auto") == "auto",
            Console: read.Choice(vm.Console, "vm.console", Allowed.For<VmDto>(nameof(VmDto.Console)), "none"),
            Firmware: MapFirmware(vm.Firmware, os),
            Image: MapImage(vm.Image, at),
            Network: MapNetwork(vm.Network, hostName, gpu.Address, defaultBridge),
            Users: MapUsers(vm.Users, at),
            Worker: MapWorker(vm.Worker, at));
    }

    private Firmware MapFirmware(FirmwareDto? firmware, OsFamily os)
    {
        var defaults = Firmware.DefaultFor(os);
        var loader = read.AbsolutePath(firmware?.Loader, "vm.firmware.loader");
        var vars = read.AbsolutePath(firmware?.NvramTemplate, "vm.firmware.nvram_template");
        return loader is null && vars is null ? defaults : new Firmware(loader ?? defaults.Loader, vars ?? defaults.NvramTemplate);
    }

    private BaseImage MapImage(ImageDto? image, Dto.Dto at)
    {
        if (image is null)
        {
            read.Diagnostics.Add(DiagnosticCodes.MissingRequired, at.Location, "no base image for this GPU's VM ('vm.image')",
                "set defaults.vm.image with 'url' and 'sha256' of a cloud image");
            return new BaseImage("", "");
        }

        Require(image.Url, image, "vm.image.url");
        Require(image.Sha256, image, "vm.image.sha256");
        return new BaseImage(read.Url(image.Url, "vm.image.url", "https", "http") ?? "", read.Sha256(image.Sha256, "vm.image.sha256") ?? "");
    }

    private VmNetwork MapNetwork(VmNetworkDto? network, string hostName, PciAddress gpu, string defaultBridge)
    {
        var mode = read.Choice(network?.Mode, "vm.network.mode", Allowed.For<VmNetworkDto>(nameof(VmNetworkDto.Mode)), "dhcp");
        var address = read.Cidr(network?.Address, "vm.network.address");
        if (mode == "static" && network?.Address is null)
        {
            read.Report(DiagnosticCodes.VmNetworkMode, network?.Mode, "vm.network.mode is static but no 'address' is set",
                "add 'address: 10.20.0.21/24' for this VM, or use mode: dhcp");
        }
        else if (mode == "dhcp" && network?.Address is not null)
        {
            read.Report(DiagnosticCodes.VmNetworkMode, network.Address, "vm.network.address is set but the mode is dhcp",
                "add 'mode: static', or remove the address");
            address = null;
        }

        return new VmNetwork(
            Bridge: read.InterfaceName(network?.Bridge, "vm.network.bridge") ?? defaultBridge,
            Mac: read.Mac(network?.Mac, "vm.network.mac") ?? Identity.VmMac(hostName, gpu),
            Address: address,
            Gateway: read.Ip(network?.Gateway, "vm.network.gateway"),
            Dns: read.Ips(network?.Dns, "vm.network.dns"));
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "the record property it fills is IReadOnlyList: immutable to its readers")]
    private IReadOnlyList<VmUser> MapUsers(List<VmUserDto>? users, Dto.Dto at)
    {
        if (users is null || users.Count == 0)
        {
            read.Diagnostics.Add(DiagnosticCodes.MissingRequired, at.Location, "the VM has no login users ('vm.users')",
                "add defaults.vm.users with a name and ssh_authorized_keys: logins are key-only");
            return [];
        }

        read.Unique(users.Select(u => u.Name), "VM user", "cloud-init creates each user once: merge their keys into one entry");
        var result = new List<VmUser>();
        foreach (var user in users)
        {
            Require(user.Name, user, "vm.users[].name");
            var name = read.UserName(user.Name, "vm.users[].name");
            if (name is not null && VmUser.IsSystemAccount(name))
            {
                read.Report(DiagnosticCodes.UnsafeName, user.Name, $"VM user {user.Name!.Shown} is an account the guest OS already has",
                    "pick a name of your own, e.g. artist: cloud-init's useradd fails on an existing user, and the users after it (the worker's own among them) are not made");
            }

            var keys = (user.SshAuthorizedKeys ?? []).Select(k => read.SshKey(k, "ssh_authorized_keys")).OfType<string>().ToList();
            if (user.SshAuthorizedKeys is null || user.SshAuthorizedKeys.Count == 0)
            {
                read.Diagnostics.Add(DiagnosticCodes.UserWithoutKeys, user.Location, $"user {user.Name?.Shown} has no ssh_authorized_keys",
                    "logins are key-only: add at least one public key, or remove the user");
            }

            result.Add(new VmUser(name ?? "", keys, read.Bool(user.Sudo, "sudo", false)));
        }

        return result;
    }

    private WorkerSettings MapWorker(WorkerDto? worker, Dto.Dto at)
    {
        // With no 'worker' mapping at all, a missing key is pointed at where the VM is set.
        var where = worker?.Location ?? at.Location;
        var kind = read.Choice(worker?.Kind, "vm.worker.kind", Allowed.For<WorkerDto>(nameof(WorkerDto.Kind)), "queue");
        var queueUrl = read.QueueUrl(worker?.QueueUrl, "vm.worker.queue_url");
        var managerUrl = read.Url(worker?.ManagerUrl, "vm.worker.manager_url", "http", "https");
        if (kind == "queue" && worker?.QueueUrl is null)
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, where, "worker kind 'queue' needs 'queue_url'",
                "set defaults.vm.worker.queue_url: redis://HOST:6379/0, or kind: none");
        }

        if (kind == "flamenco" && worker?.ManagerUrl is null)
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, where, "worker kind 'flamenco' needs 'manager_url'",
                "set vm.worker.manager_url: http://MANAGER:8080");
        }

        var device = read.Choice(worker?.Device, "vm.worker.device", Allowed.For<WorkerDto>(nameof(WorkerDto.Device)), "OPTIX");
        var processes = read.Int(worker?.ProcessesPerGpu, "vm.worker.processes_per_gpu", 1, 1, 8);
        if (processes > 1 && kind != "queue" && worker?.ProcessesPerGpu is { } many)
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, many.Location, $"'vm.worker.processes_per_gpu' is {processes}, but only the queue worker runs several processes ('kind' is {kind})",
                "remove processes_per_gpu, or use kind: queue");
        }

        IReadOnlyList<string> driverPackages = worker?.NvidiaPackages is { } packages
            ? [.. packages.Select(p => PackageName(p)).OfType<string>()]
            : device == "CPU" ? [] : WorkerSettings.DefaultNvidiaPackages;
        var gl = read.Choice(worker?.Gl, "vm.worker.gl", Allowed.For<WorkerDto>(nameof(WorkerDto.Gl)), GlPayload.None);
        return new WorkerSettings(kind, queueUrl, read.Secret(worker?.QueuePassword, "vm.worker.queue_password"), managerUrl, device)
        {
            Gl = gl,
            GlPackages = MapGlPackages(gl, kind, device, driverPackages, worker),
            ProcessesPerGpu = processes,
            Blenderproc = MapBlenderproc(worker, kind),
            Blender = MapDownload(worker?.Blender, "vm.worker.blender"),
            SystemBlender = worker?.BlenderScalar is not null,
            Agent = MapDownload(worker?.Agent, "vm.worker.agent"),
            Flamenco = MapDownload(worker?.Flamenco, "vm.worker.flamenco"),
            NvidiaPackages = driverPackages,
        };
    }

    // The GL libraries belong to the driver branch, so they are named from the driver packages;
    // an X server on the card is a GPU worker's (a CPU worker draws with Mesa through EGL).
    private IReadOnlyList<string> MapGlPackages(string gl, string kind, string device, IReadOnlyList<string> driverPackages, WorkerDto? worker)
    {
        if (gl == GlPayload.None || worker?.Gl is not { } at)
        {
            return [];
        }

        if (kind == "none")
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, at.Location, $"'vm.worker.gl' is {gl}, but the VM runs no worker ('kind' is none)",
                "remove gl, or set a worker kind");
            return [];
        }

        if (gl == GlPayload.Xorg && device == "CPU")
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, at.Location, "'vm.worker.gl' is xorg, but the device is CPU: there is no GPU to put an X server on",
                "use gl: egl (Mesa's software GL, for CPU EEVEE jobs)");
            return [];
        }

        if (GlPayload.Packages(gl, device, driverPackages) is { } packages)
        {
            return packages;
        }

        read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, at.Location,
            $"'vm.worker.gl' is {gl}, but the driver branch cannot be told from 'nvidia_packages' ({string.Join(", ", driverPackages)}), so neither can its GL libraries",
            gl == GlPayload.Xorg
                ? "add the branch's libnvidia-gl-NNN and xserver-xorg-video-nvidia-NNN to nvidia_packages (or name nvidia-headless-NNN there)"
                : "add the branch's libnvidia-gl-NNN to nvidia_packages (or name nvidia-headless-NNN there)");
        return [];
    }

    // BlenderProc runs the worker's own Blender release (--custom-blender-path), so it needs one
    // from the inventory; pip needs the wheel's real file name, so the URL must end in it.
    private BaseImage? MapBlenderproc(WorkerDto? worker, string kind)
    {
        var wheel = MapDownload(worker?.Blenderproc, "vm.worker.blenderproc");
        if (wheel is null || worker?.Blenderproc is not { } dto)
        {
            return null;
        }

        if (kind != "queue")
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, dto.Location, $"'vm.worker.blenderproc' is set, but only the queue worker runs generation jobs ('kind' is {kind})",
                "remove blenderproc, or use kind: queue");
        }

        if (worker.Blender is null)
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, dto.Location, worker.BlenderScalar is not null
                ? "'vm.worker.blenderproc' needs an official Blender release in 'vm.worker.blender', not 'system': BlenderProc runs a release folder (its version folder beside the binary), which a distribution's package does not have"
                : "'vm.worker.blenderproc' needs 'vm.worker.blender': BlenderProc runs an official Blender release folder (its version folder beside the binary)",
                "add vm.worker.blender with the Linux x64 tarball's url and sha256");
        }

        if (wheel.Url.Length > 0 && !WorkerSettings.IsBlenderprocWheel(WorkerSettings.FileNameOf(wheel.Url)))
        {
            read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, dto.Url?.Location ?? dto.Location, $"'vm.worker.blenderproc.url' must end in the wheel's file name, blenderproc-VERSION-py3-none-any.whl (it ends in '{WorkerSettings.FileNameOf(wheel.Url)}')",
                "point it at the wheel itself, e.g. https://files.pythonhosted.org/.../blenderproc-2.7.1-py3-none-any.whl or your mirror's copy");
        }

        return wheel;
    }

    // A download is fetched and then checked: url and sha256 go together (one without the other
    // would fetch something unverified, or verify nothing).
    private BaseImage? MapDownload(DownloadDto? download, string key)
    {
        if (download is null)
        {
            return null;
        }

        Require(download.Url, download, key + ".url");
        Require(download.Sha256, download, key + ".sha256");
        return new BaseImage(read.Url(download.Url, key + ".url", "https", "http") ?? "", read.Sha256(download.Sha256, key + ".sha256") ?? "");
    }

    /// <summary>A Debian/RPM package name: it lands in cloud-init's package list, so nothing else gets through.</summary>
    private string? PackageName(Yaml.YamlScalar scalar)
    {
        if (System.Text.RegularExpressions.Regex.IsMatch(scalar.Value, "\\A[a-z0-9][a-z0-9+._-]{0,99}\\z"))
        {
            return scalar.Value;
        }

        read.Diagnostics.Add(DiagnosticCodes.WorkerSettings, scalar.Location, $"'vm.worker.nvidia_packages' entry {scalar.Shown} is not a package name",
            "write package names only, e.g. nvidia-headless-535-server");
        return null;
    }

    private void Require(object? value, Dto.Dto owner, string key)
    {
        if (value is null)
        {
            read.Diagnostics.Add(DiagnosticCodes.MissingRequired, owner.Location, $"'{key}' is required here", null);
        }
    }
}

/// <summary>What the VM mapper needs to know of its GPU before the GPU record exists.</summary>
public sealed record Gpu0(int Index, PciAddress Address);
