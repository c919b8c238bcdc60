using System.Globalization;
using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Dto;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>Maps one host (its DTO already layered over group and defaults) into a <see cref="Host"/>.</summary>
public sealed class HostMapper(ValueReader read)
{
    private readonly VmMapper _vms = new(read);

    public Host? Map(HostDto dto)
    {
        if (dto.Name is null || dto.Address is null)
        {
            read.Diagnostics.Add(DiagnosticCodes.MissingRequired, dto.Location,
                $"a host needs {(dto.Name is null ? "'name'" : "'address'")}", "every entry under 'hosts' needs 'name' and 'address'");
        }

        var name = read.Name(dto.Name, "name");
        if (dto.Address is not null && !SafeText.IsHostAddress(dto.Address.Value))
        {
            read.Report(DiagnosticCodes.UnsafeName, dto.Address, $"'address' {dto.Address.Shown} is not a host name or IP address",
                "write an IP address (each number without leading zeros: many tools read 010 as octal 8) or a DNS name");
        }

        var os = Enum.Parse<OsFamily>(read.Choice(dto.Os, "os", Allowed.For<HostSettingsDto>(nameof(HostSettingsDto.Os)), "auto"), ignoreCase: true);
        var cpu = Enum.Parse<CpuVendor>(read.Choice(dto.CpuVendor, "cpu_vendor", Allowed.For<HostSettingsDto>(nameof(HostSettingsDto.CpuVendor)), "intel"), ignoreCase: true);
        var network = MapNetwork(dto.Network);
        var pageSize = read.Choice(dto.Hugepages?.Size, "hugepages.size", Allowed.For<HugepagesDto>(nameof(HugepagesDto.Size)), "1G") == "1G"
            ? new ByteSize(ByteSize.GiB)
            : new ByteSize(2 * ByteSize.MiB);
        var gpus = MapGpus(name ?? "host", os == OsFamily.Auto ? OsFamily.El9 : os, network?.Bridge.Name ?? "br0", pageSize, dto);
        var memory = read.SizeOrNull(dto.Memory, "memory");
        var reserve = read.Size(dto.HostReserve, "host_reserve", ByteSize.FromGiB(16));
        var hugepages = MapHugepages(dto.Hugepages, gpus, pageSize);
        var iommu = new IommuSettings(
            read.Bool(dto.Iommu?.Passthrough, "iommu.passthrough", true),
            read.Bool(dto.Iommu?.AcsOverride, "iommu.acs_override", false));
        if (iommu.AcsOverride)
        {
            read.Report(DiagnosticCodes.AcsOverride, dto.Iommu?.AcsOverride,
                "pcie_acs_override splits IOMMU groups by pretending devices are isolated; it needs a kernel with the ACS override patch and weakens DMA isolation between passed-through devices",
                "prefer moving the GPU to a slot whose group holds only its own functions; use this only on hosts you trust");
        }

        CheckMemory(dto, memory, reserve, gpus);
        if (dto.GpusScalar is not null)
        {
            read.Report(DiagnosticCodes.GpusAuto, dto.GpusScalar, $"host '{name}': GPUs are taken from the host's facts when it is probed",
                "an offline plan or render shows no worker VMs for this host");
        }

        if (name is null || dto.Address is null)
        {
            return null;
        }

        return new Host(name, dto.Address.Value, dto.Group?.Value, MapSsh(dto.Ssh), os, cpu, memory, reserve, iommu, hugepages,
            read.Bool(dto.BlacklistNouveau, "blacklist_nouveau", true), network, dto.GpusScalar is not null, gpus)
        {
            BindByAddressOnly = read.Choice(dto.VfioBinding, "vfio_binding", Allowed.For<HostSettingsDto>(nameof(HostSettingsDto.VfioBinding)), "ids") == "address",
            LibvirtUri = read.Url(dto.LibvirtUri, "libvirt_uri", "qemu", "qemu+tls", "qemu+ssh", "qemu+libssh", "qemu+libssh2", "qemu+tcp", "qemu+unix"),
            LibvirtAuth = dto.LibvirtAuth is { Username: not null, Password: not null } auth
                && read.Name(auth.Username, "libvirt_auth.username") is { } user && read.Secret(auth.Password, "libvirt_auth.password") is { } password
                ? new LibvirtAuth(user, password)
                : null,
        };
    }

    private SshSettings MapSsh(SshDto? ssh) => new(
        User: read.UserName(ssh?.User, "ssh.user") ?? "root",
        Port: read.Int(ssh?.Port, "ssh.port", 22, 1, 65535),
        IdentityFile: read.LocalPath(ssh?.IdentityFile, "ssh.identity_file"),
        KnownHosts: read.LocalPath(ssh?.KnownHosts, "ssh.known_hosts") ?? "~/.ssh/known_hosts",
        HostKeyPolicy: read.Choice(ssh?.HostKeyPolicy, "ssh.host_key_policy", Allowed.For<SshDto>(nameof(SshDto.HostKeyPolicy)), "strict") == "strict"
            ? HostKeyPolicy.Strict
            : HostKeyPolicy.AcceptNew);
    private List<Gpu> MapGpus(string hostName, OsFamily os, string bridge, ByteSize pageSize, HostDto dto)
    {
        var gpus = new List<Gpu>();
        var owner = new Dictionary<PciAddress, Yaml.YamlScalar>(); // slot -> where it was first listed
        foreach (var (gpuDto, index) in (dto.Gpus ?? []).Select((g, i) => (g, i)))
        {
            if (gpuDto.Address is null)
            {
                read.Diagnostics.Add(DiagnosticCodes.MissingRequired, gpuDto.Location, "a GPU needs 'address'",
                    "write the PCI address of function 0, e.g. address: 0000:65:00.0");
                continue;
            }

            var address = read.Pci(gpuDto.Address, "gpus[].address");
            var vmSettings = Binding.DtoOverlay.Merge(gpuDto.Vm, dto.Vm) ?? new VmDto();
            if (address is null)
            {
                // Still check the VM settings, so one run reports every problem of this entry.
                _vms.Map(hostName, os, bridge, new Gpu0(index, new PciAddress(0, 0, 0, 0)), vmSettings, gpuDto);
                continue;
            }

            if (address.Function != 0)
            {
                read.Report(DiagnosticCodes.MalformedPciAddress, gpuDto.Address, $"GPU address {address} is not function 0",
                    $"name the slot by function 0 ({address.Slot0}); its other functions come from gpu_model.functions");
                continue;
            }

            // Functions hang off their slot, so two entries can only share a function by naming the same slot.
            if (owner.TryGetValue(address, out var first))
            {
                read.Report(DiagnosticCodes.DuplicatePciAddress, gpuDto.Address,
                    $"GPU {address} is listed twice on host '{hostName}' (first at line {first.Location.Line})",
                    "a GPU and its functions can be passed through to one VM only: remove the duplicate entry");
                continue;
            }

            owner[address] = gpuDto.Address;
            var model = Binding.DtoOverlay.Merge(gpuDto.Model, dto.GpuModel);
            var functions = MapFunctions(address, model);
            var vm = _vms.Map(hostName, os, bridge, new Gpu0(index, address), vmSettings, gpuDto);
            if (vm.HugepageBacked && vm.Memory.Bytes % pageSize.Bytes != 0)
            {
                read.Diagnostics.Add(DiagnosticCodes.MemoryNotPageMultiple, vmSettings.Memory?.Location ?? gpuDto.Location,
                    $"VM '{vm.Name}' has {vm.Memory} of memory, not a whole number of {pageSize} hugepages",
                    $"make vm.memory a multiple of {pageSize}, or set vm.hugepages: false for it");
            }

            gpus.Add(new Gpu(index, address, read.FreeText(model?.Name, "gpu_model.name"), functions, vm)
            {
                HourlyCost = read.Amount(model?.HourlyCost, "hourly_cost"),
                TemperatureLimit = model?.TemperatureLimit is null ? null : read.Int(model.TemperatureLimit, "temperature_limit", 80, 30, 120),
            });
        }

        return gpus;
    }

    private List<GpuFunction> MapFunctions(PciAddress address, GpuModelDto? model)
    {
        if (model?.Functions is null || model.Functions.Count == 0)
        {
            return [new GpuFunction(address, null)];
        }

        read.Unique(model.Functions.Select(f => f.Function), "GPU function", "list each function of the card once");
        var functions = new List<GpuFunction>();
        foreach (var function in model.Functions)
        {
            if (function.Function is null)
            {
                read.Diagnostics.Add(DiagnosticCodes.MissingRequired, function.Location, "a GPU function needs 'function' (0-7)", null);
                continue;
            }

            var number = read.Int(function.Function, "function", -1, 0, 7);
            if (number >= 0)
            {
                functions.Add(new GpuFunction(address.WithFunction(number), read.PciId(function.Id, "id"), read.ModuleName(function.HostDriver, "host_driver")));
            }
        }

        if (functions.Count > 0 && functions.TrueForAll(f => f.Address.Function != 0))
        {
            read.Diagnostics.Add(DiagnosticCodes.GpuWithoutFunctionZero, model.Location,
                $"the functions of GPU {address} do not include function 0, the GPU itself", "add '- function: 0' (with its id) to gpu_model.functions");
        }

        return [.. functions.DistinctBy(f => f.Address).OrderBy(f => f.Address)];
    }

    private HugepageSettings MapHugepages(HugepagesDto? dto, List<Gpu> gpus, ByteSize size)
    {
        var needed = gpus.Where(g => g.Vm.HugepageBacked).Sum(g => HugepageSettings.PagesFor(g.Vm.Memory, size));
        if (dto?.Count is null || dto.Count.Value == "auto")
        {
            return new HugepageSettings(size, needed);
        }

        var count = read.Int(dto.Count, "hugepages.count", (int)Math.Min(needed, int.MaxValue), 0, int.MaxValue);
        if (count < needed)
        {
            read.Report(DiagnosticCodes.HugepagesTooFew, dto.Count,
                $"hugepages.count is {count} but the hugepage-backed VMs need {needed.ToString(CultureInfo.InvariantCulture)} pages of {size}",
                "raise the count, or write 'count: auto' to reserve exactly what the VMs need");
        }

        return new HugepageSettings(size, count);
    }

    private void CheckMemory(HostDto dto, ByteSize? memory, ByteSize reserve, List<Gpu> gpus)
    {
        if (memory is null)
        {
            return;
        }

        var vms = gpus.Sum(g => g.Vm.Memory.Bytes);
        if (vms + reserve.Bytes > memory.Value.Bytes)
        {
            read.Report(DiagnosticCodes.MemoryExceeded, dto.Memory,
                $"host {dto.Name?.Shown} has {memory} but its {gpus.Count} VMs need {new ByteSize(vms)} plus a host reserve of {reserve}",
                "give the VMs less memory (vm.memory), lower host_reserve, or correct 'memory'");
        }
    }

    private HostNetwork? MapNetwork(HostNetworkDto? dto)
    {
        if (dto is null)
        {
            return null;
        }

        Bond? bond = null;
        if (dto.Bond is not null)
        {
            var interfaces = (dto.Bond.Interfaces ?? []).Select(i => read.InterfaceName(i, "bond.interfaces")).OfType<string>().ToList();
            if ((dto.Bond.Interfaces?.Count ?? 0) < 2)
            {
                read.Diagnostics.Add(DiagnosticCodes.BondTooSmall, dto.Bond.Location, "a bond needs at least two 'interfaces'",
                    "list the member NICs, e.g. interfaces: [ens1f0, ens1f1], or use bridge.interface for a single NIC");
            }

            bond = new Bond(read.InterfaceName(dto.Bond.Name, "bond.name") ?? "bond0",
                read.Choice(dto.Bond.Mode, "bond.mode", Allowed.For<BondDto>(nameof(BondDto.Mode)), "802.3ad"), interfaces);
        }

        var bridge = dto.Bridge ?? new BridgeDto { Location = dto.Location };
        // The bridge, the bond and each member become network files named after them: one name, one file.
        read.Unique([bridge.Name, dto.Bond?.Name, .. dto.Bond?.Interfaces ?? [], bridge.Interface], "interface name",
            "give the bridge, the bond and each member NIC a name of its own (each has its own network file)");
        var uplink = read.InterfaceName(bridge.Interface, "bridge.interface");
        if ((bridge.Interface is null) == (bond is null))
        {
            read.Diagnostics.Add(DiagnosticCodes.BridgeUplink, bridge.Location,
                bond is null ? "the bridge has no uplink" : "the bridge has both 'interface' and a bond",
                "give the bridge one uplink: 'bridge.interface: eno1', or a 'bond' (and no bridge.interface)");
        }

        return new HostNetwork(
            new Bridge(read.InterfaceName(bridge.Name, "bridge.name") ?? "br0", uplink, read.Cidr(bridge.Address, "bridge.address"),
                read.Ip(bridge.Gateway, "bridge.gateway"), read.Ips(bridge.Dns, "bridge.dns"), read.Int(bridge.Mtu, "bridge.mtu", 1500, 576, 9216)),
            bond);
    }
}
