using System.Globalization;
using System.Text;
using Provisioner.Core.Desired;

namespace Provisioner.Core.Rendering;

/// <summary>
/// Lays out everything Provisioner would write for a host as a browsable tree:
/// HOST/files/... mirrors the host's filesystem, HOST/vms/VM/... holds each VM's documents,
/// HOST/host.txt and HOST/kernel-args.txt summarise the rest. Ordered, so output is stable.
/// </summary>
public static class ArtifactTree
{
    public static IEnumerable<Artifact> For(HostDesiredState host)
    {
        var name = host.Host.Name;
        yield return new Artifact($"{name}/host.txt", Summary(host));
        yield return new Artifact($"{name}/kernel-args.txt",
            string.Concat(host.KernelArgs.Add.Select(a => "+" + a + "\n")) + string.Concat(host.KernelArgs.Remove.Select(a => "-" + a + "\n")));
        foreach (var file in host.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            yield return new Artifact($"{name}/files{file.Path}", file.Content);
        }

        foreach (var vm in host.Vms)
        {
            var dir = $"{name}/vms/{vm.Vm.Name}/";
            yield return new Artifact(dir + "domain.xml", vm.Domain.Xml);
            yield return new Artifact(dir + "user-data", vm.Seed.UserData);
            yield return new Artifact(dir + "meta-data", vm.Seed.MetaData);
            yield return new Artifact(dir + "network-config", vm.Seed.NetworkConfig);
            if (vm.WorkerUnit.Length > 0)
            {
                yield return new Artifact(dir + vm.Vm.Worker.UnitFileName, vm.WorkerUnit);
                yield return new Artifact(dir + "provision-worker-install", vm.WorkerInstall);
                if (vm.XorgUnit.Length > 0)
                {
                    yield return new Artifact(dir + "provision-xorg.service", vm.XorgUnit);
                    yield return new Artifact(dir + "provision-xorg", vm.XorgScript);
                }
            }
        }
    }

    private static string Summary(HostDesiredState host)
    {
        var text = new StringBuilder();
        void Line(string key, string value) => text.Append(CultureInfo.InvariantCulture, $"{key,-14}{value}\n");
        Line("host", host.Host.Name + " (" + host.Host.Address + ")");
        Line("os", host.Os.ToString().ToLowerInvariant() + (host.Host.Os == Inventory.Model.OsFamily.Auto ? " (assumed; 'auto' is read from the host)" : ""));
        Line("packages", string.Join(' ', host.Packages));
        Line("services", string.Join(' ', host.Services));
        Line("modules", string.Join(' ', host.Modules));
        Line("vfio ids", host.Vfio.Ids.Count == 0 ? "(from facts)" : string.Join(',', host.Vfio.Ids));
        Line("vfio devices", string.Join(' ', host.Vfio.Functions));
        Line("hugepages", host.Hugepages.Count.ToString(CultureInfo.InvariantCulture) + " x " + host.Hugepages.PageSize);
        foreach (var file in host.Files)
        {
            Line("file", $"{file.Path} {file.Mode} {file.Owner}:{file.Group}" + (file.Triggers.Count > 0 ? " -> " + string.Join(',', file.Triggers) : ""));
        }

        foreach (var vm in host.Vms)
        {
            Line("vm", $"{vm.Vm.Name} uuid={vm.Vm.Uuid} mac={vm.Vm.Network.Mac} gpu={string.Join('+', vm.Gpu.Functions.Select(f => f.Address))}");
        }

        return text.ToString();
    }
}
