using System.Globalization;
using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Templates;
using Provisioner.Core.Templates.Views;
using Provisioner.Core.Text;

namespace Provisioner.Core.Desired;

/// <summary>
/// Inventory → desired state per host: typed resources with every file rendered. Pure apart
/// from reading templates; hosts are rendered in parallel and returned in inventory order.
/// </summary>
public static class DesiredStateBuilder
{
    public static readonly IReadOnlyList<string> VfioModules = ["vfio", "vfio_iommu_type1", "vfio_pci"];

    public static (IReadOnlyList<HostDesiredState> Hosts, IReadOnlyList<Diagnostic> Errors) Build(
        Inventory.Model.Inventory inventory, TemplateLibrary templates, HostPaths? paths = null)
    {
        var states = new HostDesiredState[inventory.Hosts.Count];
        var errors = BuildEach(inventory, templates, (index, state) => states[index] = state, paths);
        return (errors.Count == 0 ? states : [], errors);
    }

    /// <summary>
    /// Renders hosts in parallel and hands each finished host to <paramref name="consume"/> (called
    /// concurrently, with the host's index) instead of keeping them all: `render` writes each host
    /// as it is done, so a 1,000-host fleet never sits in memory whole. Errors come back in
    /// inventory order; a host with errors is not handed on.
    /// </summary>
    public static IReadOnlyList<Diagnostic> BuildEach(
        Inventory.Model.Inventory inventory, TemplateLibrary templates, Action<int, HostDesiredState> consume, HostPaths? paths = null)
    {
        paths ??= HostPaths.Default;
        var errorsByHost = new List<Diagnostic>[inventory.Hosts.Count];
        Parallel.For(0, inventory.Hosts.Count, index =>
        {
            var errors = new List<Diagnostic>();
            var state = BuildHost(inventory.Hosts[index], new RenderScope(templates, errors), paths);
            errorsByHost[index] = errors;
            if (errors.Count == 0)
            {
                consume(index, state);
            }
        });
        return [.. errorsByHost.SelectMany(e => e).Distinct()];
    }

    /// <summary>One host's desired state (the live planner renders each host for the OS its facts show).</summary>
    public static (HostDesiredState State, IReadOnlyList<Diagnostic> Errors) BuildOne(Host host, TemplateLibrary templates, HostPaths? paths = null)
    {
        var errors = new List<Diagnostic>();
        var state = BuildHost(host, new RenderScope(templates, errors), paths ?? HostPaths.Default);
        return (state, errors);
    }

    internal static HostDesiredState BuildHost(Host host, RenderScope scope, HostPaths paths)
    {
        var os = host.EffectiveOs;
        // Firmware paths the inventory left to us follow the OS rendered for (os: auto renders each).
        host = host with { Gpus = [.. host.Gpus.Select(g => g.Vm.Firmware.FromDefaults ? g with { Vm = g.Vm with { Firmware = Firmware.DefaultFor(os) } } : g)] };
        var profile = OsProfile.For(os);
        // By address only: no ids anywhere, so an identical card the host keeps is never claimed.
        var vfio = new VfioBinding(
            host.BindByAddressOnly ? [] : [.. host.Gpus.SelectMany(g => g.Functions).Select(f => f.Id?.ToString()).OfType<string>().Distinct().Order(StringComparer.Ordinal)],
            [.. host.Gpus.SelectMany(g => g.Functions).Select(f => f.Address).Order()]);
        var args = KernelArgsFor(host, profile, vfio);
        var view = ViewFactory.Host(host, os, args, vfio, VfioModules);
        var files = HostFiles.Render(scope, host, profile, view, paths);
        var vms = host.Gpus.Select(gpu => BuildVm(scope, host, view, gpu, paths)).ToList();
        return new HostDesiredState(host, os, profile.Packages, ["libvirtd"], VfioModules, args, vfio, host.Hugepages, files, vms);
    }

    public static KernelArgs KernelArgsFor(Host host, OsProfile os, VfioBinding vfio)
    {
        var iommu = host.CpuVendor == CpuVendor.Intel ? "intel_iommu" : "amd_iommu";
        var add = new List<string> { iommu + "=on" };
        if (host.Iommu.Passthrough)
        {
            add.Add("iommu=pt");
        }

        if (host.Iommu.AcsOverride)
        {
            add.Add("pcie_acs_override=downstream,multifunction");
        }

        // The ids on the command line as well as in modprobe.d: a vfio-pci built into the kernel
        // (Ubuntu's, for one) reads only the command line, and a modular one reads both.
        if (vfio.Ids.Count > 0)
        {
            add.Add("vfio-pci.ids=" + string.Join(',', vfio.Ids));
        }

        if (os.IsEl)
        {
            add.Add("rd.driver.pre=vfio-pci");
            if (host.BlacklistNouveau)
            {
                add.Add("rd.driver.blacklist=nouveau");
            }
        }

        // 1 GiB pages need their size registered at boot; the count is not on the command line:
        // the kernel would split it evenly over the NUMA nodes, leaving a node with two GPUs'
        // VMs short. provision-hugepages.service reserves each node's own count instead.
        if (host.Hugepages.IsGigantic && host.Hugepages.Count > 0)
        {
            add.Add("default_hugepagesz=1G");
            add.Add("hugepagesz=1G");
        }

        return new KernelArgs(add, [iommu + "=off", "iommu=off"]) { Clear = host.Hugepages.Count > 0 ? ["hugepages"] : [] };
    }

    private static VmDesiredState BuildVm(RenderScope scope, Host host, HostView hostView, Gpu gpu, HostPaths paths)
    {
        var vm = ViewFactory.Vm(host, gpu, paths);
        var unit = gpu.Vm.Worker.Kind == "none" ? "" : scope.Render("worker/provision-worker.service.sbn", ("host", hostView), ("vm", vm));
        var env = gpu.Vm.Worker.Kind == "none" ? "" : scope.Render("worker/worker.env.sbn", ("host", hostView), ("vm", vm));
        var install = gpu.Vm.Worker.Kind == "none" ? "" : scope.Render("worker/install-worker.sh.sbn", ("host", hostView), ("vm", vm));
        var xorg = gpu.Vm.Worker.Gl == GlPayload.Xorg;
        var xorgUnit = xorg ? scope.Render("worker/provision-xorg.service.sbn", ("host", hostView), ("vm", vm)) : "";
        var xorgScript = xorg ? scope.Render("worker/provision-xorg.sbn", ("host", hostView), ("vm", vm)) : "";
        var userData = scope.Render("vm/user-data.sbn", ("host", hostView), ("vm", vm), ("worker_unit", unit), ("worker_env", env), ("worker_install", install),
            ("xorg_unit", xorgUnit), ("xorg_script", xorgScript));
        var networkConfig = scope.Render("vm/network-config.sbn", ("host", hostView), ("vm", vm));
        var instanceId = "iid-" + Sha256Text.Hex(userData, "\0", networkConfig)[..16];
        var metaData = scope.Render("vm/meta-data.sbn", ("host", hostView), ("vm", vm), ("instance_id", instanceId));
        var domain = scope.Render("vm/domain.xml.sbn", ("host", hostView), ("vm", vm));
        var image = new BaseImageResource(gpu.Vm.Image.Url, gpu.Vm.Image.Sha256, paths.BaseImage(gpu.Vm.Image.Sha256));
        return new VmDesiredState(
            gpu,
            gpu.Vm,
            image,
            [new VmDisk(vm.OsDisk, gpu.Vm.OsDisk, "os", true), new VmDisk(vm.WorkDisk, gpu.Vm.WorkDisk, "work", false)],
            new CloudInitSeed(instanceId, userData, metaData, networkConfig, vm.SeedIso, gpu.Vm.Worker.QueuePassword is not null),
            new DomainDefinition(gpu.Vm.Name, gpu.Vm.Uuid, domain),
            unit)
        {
            WorkerInstall = install,
            XorgUnit = xorgUnit,
            XorgScript = xorgScript,
        };
    }
}
