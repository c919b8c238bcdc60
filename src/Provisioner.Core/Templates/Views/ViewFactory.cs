using System.Globalization;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Templates.Views;

/// <summary>Builds the template views from the model: the only place template inputs are computed.</summary>
public static class ViewFactory
{
    public static HostView Host(Host host, OsFamily os, KernelArgs args, VfioBinding vfio, IReadOnlyList<string> modules) => new(
        Name: host.Name,
        Os: os.ToString().ToLowerInvariant(),
        IsEl: OsProfile.For(os).IsEl,
        CpuVendor: host.CpuVendor.ToString().ToLowerInvariant(),
        KernelArgs: args.Add,
        KernelArgsRemove: args.Remove,
        KernelArgsOwnedKeys: args.SetKeys,
        VfioIds: vfio.Ids,
        VfioFunctions: [.. vfio.Functions.Select(f => f.ToString())],
        Softdeps: HostDrivers.Softdeps(host),
        Modules: modules,
        BlacklistNouveau: host.BlacklistNouveau,
        Hugepages: Hugepages(host),
        Gpus: [.. host.Gpus.Select(g => new GpuView(g.Address.ToString(), g.ModelName, [.. g.Functions.Select(f => f.Address.ToString())], g.Vm.Name))]);

    private static HugepagesView Hugepages(Host host)
    {
        var pages = host.Hugepages;
        List<GpuPagesView> onNode = [.. host.Gpus.Where(g => g.Vm.HugepageBacked && g.Vm.NumaPlacement)
            .Select(g => new GpuPagesView(g.Address.ToString(), HugepageSettings.PagesFor(g.Vm.Memory, pages.PageSize)))];
        return new HugepagesView(pages.IsGigantic ? "1G" : "2M", pages.PageSize.KibiBytes, pages.Count,
            new ByteSize(pages.PageSize.Bytes * pages.Count).ToString(), onNode, Math.Max(0, pages.Count - onNode.Sum(g => g.Pages)));
    }

    public static NetworkView Network(HostNetwork network)
    {
        var bridge = network.Bridge;
        var bond = network.Bond;
        BondView? bondView = null;
        if (bond is not null)
        {
            var lacp = bond.Mode == "802.3ad";
            List<BondOption> options = [new("mode", bond.Mode), new("miimon", "100")];
            if (lacp)
            {
                options.Add(new("lacp_rate", "fast"));
                options.Add(new("xmit_hash_policy", "layer3+4"));
            }

            bondView = new BondView(bond.Name, bond.Mode, lacp, bond.Interfaces, options,
                string.Join(' ', options.Select(o => o.Key + "=" + o.Value)));
        }

        return new NetworkView(
            new BridgeView(bridge.Name, bridge.Interface, bond?.Name ?? bridge.Interface ?? "", bridge.Address?.ToString(),
                bridge.Address?.Address.ToString(), bridge.Address?.PrefixLength, bridge.Gateway?.ToString(),
                [.. bridge.Dns.Select(d => d.ToString())], bridge.Mtu),
            bondView,
            bond is not null ? bond.Interfaces : [bridge.Interface ?? ""]);
    }

    public static VmView Vm(Host host, Gpu gpu, HostPaths paths)
    {
        var vm = gpu.Vm;
        var worker = vm.Worker;
        var (exec, args) = worker.Kind == "flamenco"
            ? ("/opt/flamenco/flamenco-worker", " -manager ${FLAMENCO_MANAGER_URL}")
            : ("/opt/provision-worker/provision-worker", "");
        return new VmView(
            Name: vm.Name,
            Uuid: vm.Uuid.ToString("D", CultureInfo.InvariantCulture),
            GpuAddress: gpu.Address.ToString(),
            GpuModel: gpu.ModelName,
            Vcpus: vm.Vcpus,
            MemoryKib: vm.Memory.KibiBytes,
            Hugepages: vm.HugepageBacked,
            HugepageSizeKib: host.Hugepages.PageSize.KibiBytes,
            DomainType: vm.DomainType,
            Console: vm.Console,
            Loader: vm.Firmware.Loader,
            LoaderSecure: vm.Firmware.SecureBoot,
            NvramTemplate: vm.Firmware.NvramTemplate,
            NvramPath: paths.Nvram(vm.Name),
            OsDisk: paths.OsDisk(vm.Name),
            WorkDisk: paths.WorkDisk(vm.Name),
            SeedIso: paths.SeedIso(vm.Name),
            Bridge: vm.Network.Bridge,
            Mac: vm.Network.Mac.Value,
            Hostdevs: vm.Passthrough ? [.. gpu.Functions.Select(f => Hostdev(f.Address))] : [],
            Network: new VmNetworkView(vm.Network.Address?.ToString(), vm.Network.Gateway?.ToString(), [.. vm.Network.Dns.Select(d => d.ToString())]),
            Users: [.. vm.Users.Select(u => new VmUserView(u.Name, u.SshAuthorizedKeys, u.Sudo))],
            Worker: new WorkerView(worker.Kind, worker.Device, worker.QueueUrl, worker.QueuePassword?.ToString(), worker.ManagerUrl,
                worker.UnitFileName, exec, args)
            {
                // The loader refuses gl on kind none, so these are none and empty there.
                Gl = worker.Gl,
                GlPackages = worker.GlPackages,
                Processes = worker.ProcessesPerGpu,
                Units = worker.UnitsToStart,
                Threads = WorkerSettings.BlenderThreads(vm.Vcpus, worker.ProcessesPerGpu),
                Blenderproc = Download(worker.Blenderproc),
                BlenderprocWheel = worker.Blenderproc is { } wheel ? WorkerSettings.FileNameOf(wheel.Url) : null,
                Blender = Download(worker.Blender),
                SystemBlender = worker.SystemBlender,
                Storage = worker.Storage is { } share ? new StorageView(share.Source, share.MountPath, share.FstabOptions) : null,
                WritablePaths = worker.Storage is { } mounted ? ["/srv/work", mounted.MountPath] : ["/srv/work"],
                Agent = worker.Kind == "queue" ? Download(worker.Agent) : null,
                Flamenco = worker.Kind == "flamenco" ? Download(worker.Flamenco) : null,
                NvidiaPackages = worker.Kind == "none" ? [] : worker.NvidiaPackages,
                HourlyCost = gpu.HourlyCost?.ToString(CultureInfo.InvariantCulture),
                TemperatureLimit = gpu.TemperatureLimit,
            });
    }

    private static DownloadView? Download(BaseImage? download) =>
        download is null ? null : new DownloadView(download.Url, download.Sha256, download.Sha256.Length >= 12 ? download.Sha256[..12] : download.Sha256);

    private static HostdevView Hostdev(PciAddress a) => new(
        string.Create(CultureInfo.InvariantCulture, $"0x{a.Domain:x4}"),
        string.Create(CultureInfo.InvariantCulture, $"0x{a.Bus:x2}"),
        string.Create(CultureInfo.InvariantCulture, $"0x{a.Slot:x2}"),
        string.Create(CultureInfo.InvariantCulture, $"0x{a.Function:x1}"));
}
