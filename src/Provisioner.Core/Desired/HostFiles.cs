using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Templates.Views;

namespace Provisioner.Core.Desired;

/// <summary>The host-side files for one OS family: which template renders to which path, and what a change triggers.</summary>
internal static class HostFiles
{
    private static readonly Trigger[] Initramfs = [Trigger.RebuildInitramfs];

    public static List<ManagedFile> Render(RenderScope scope, Host host, OsProfile os, HostView view, HostPaths paths)
    {
        var files = new List<ManagedFile>();
        void Add(string path, string template, string purpose, string mode = "0644", Trigger[]? triggers = null, params (string, object?)[] extra)
        {
            var globals = new List<(string, object?)> { ("host", view) };
            globals.AddRange(extra);
            files.Add(new ManagedFile(path, scope.Render(template, [.. globals]), mode, "root", "root", false, triggers ?? [], template, purpose));
        }

        Add("/etc/modprobe.d/vfio.conf", "host/modprobe-vfio.conf.sbn", "vfio-pci claims the GPUs by id; softdeps load it before nouveau/nvidia", triggers: Initramfs);
        if (host.BlacklistNouveau)
        {
            Add("/etc/modprobe.d/blacklist-nouveau.conf", "host/blacklist-nouveau.conf.sbn", "keep nouveau off the GPUs", triggers: Initramfs);
        }

        Add("/etc/modules-load.d/vfio.conf", "host/modules-load-vfio.conf.sbn", "load the vfio modules at boot");
        // The early rebind by address: the one mechanism that also moves a function held by a
        // driver built into the kernel (softdeps and blacklists act on modules only).
        var bind = view.VfioFunctions.Count > 0;
        const string bindPurpose = "give the GPUs' functions to vfio-pci by address in the initramfs (also those a built-in driver holds)";
        if (os.IsEl)
        {
            Add("/etc/dracut.conf.d/vfio.conf", "host/dracut-vfio.conf.sbn", "put vfio and its config into the initramfs", triggers: Initramfs);
            if (bind)
            {
                Add(HostPaths.DracutModule + "/module-setup.sh", "host/dracut-vfio-module-setup.sh.sbn", "the dracut module of the early vfio-pci rebind", "0755", Initramfs);
                Add(HostPaths.DracutModule + "/provision-vfio-bind.sh", "host/dracut-vfio-bind.sh.sbn", bindPurpose, "0755", Initramfs);
            }

            var script = os.KernelArgsMethod == "grubby" ? "host/kernel-args-grubby.sh.sbn" : "host/kernel-args-grub-default.sh.sbn";
            Add(paths.KernelArgsScript, script, "set the kernel arguments (" + os.KernelArgsMethod + ")", "0755", [Trigger.ApplyKernelArgs]);
        }
        else
        {
            Add("/etc/initramfs-tools/hooks/provision-vfio", "host/initramfs-tools-vfio.sh.sbn", "put vfio and its config into the initramfs", "0755", Initramfs);
            if (bind)
            {
                Add(HostPaths.InitramfsBindScript, "host/initramfs-tools-vfio-bind.sh.sbn", bindPurpose, "0755", Initramfs);
            }

            Add("/etc/default/grub.d/90-provision.cfg", "host/grub-cmdline.cfg.sbn", "set the kernel arguments (GRUB drop-in)", triggers: [Trigger.RegenerateGrub]);
        }

        // Each NUMA node's own count, reserved by a unit early at boot (and now, by the trigger).
        // 1 GiB pages are reliable only while memory is unfragmented: a change to them reboots.
        if (host.Hugepages.Count > 0)
        {
            Trigger[] reserve = host.Hugepages.IsGigantic ? [Trigger.ReserveHugepages, Trigger.Reboot] : [Trigger.ReserveHugepages];
            Add(HostPaths.HugepagesScript, "host/provision-hugepages.sh.sbn", "reserve each NUMA node's hugepages for the VMs on its GPUs", "0755", reserve);
            Add(HostPaths.HugepagesUnit, "host/provision-hugepages.service.sbn", "run the hugepages reservation early at every boot", "0644", reserve,
                ("hugepages_script", HostPaths.HugepagesScript));
        }

        if (host.Network is not null)
        {
            files.AddRange(NetworkFiles(scope, os, view, ViewFactory.Network(host.Network)));
        }

        return files;
    }

    // Network files take effect at the next boot: reloading the network we are connected through is never safe.
    private static IEnumerable<ManagedFile> NetworkFiles(RenderScope scope, OsProfile os, HostView host, NetworkView net)
    {
        ManagedFile File(string path, string template, string purpose, string mode, PortView? port = null) =>
            new(path, scope.Render(template, ("host", host), ("net", net), ("port", port)), mode, "root", "root", false, [Trigger.Reboot], template, purpose);

        var ports = net.Bond is not null
            ? net.Bond.Interfaces.Select(n => new PortView(n, net.Bond.Name, true))
            : [new PortView(net.Bridge.Interface!, net.Bridge.Name, false)];
        switch (os.NetworkStyle)
        {
            case "ifcfg":
                const string dir = "/etc/sysconfig/network-scripts/ifcfg-";
                yield return File(dir + net.Bridge.Name, "host/network/ifcfg-bridge.sbn", "the VM bridge", "0644");
                if (net.Bond is not null)
                {
                    yield return File(dir + net.Bond.Name, "host/network/ifcfg-bond.sbn", "the bond uplink", "0644");
                }

                foreach (var port in ports)
                {
                    yield return File(dir + port.Name, "host/network/ifcfg-port.sbn", "member of " + port.Master, "0644", port);
                }

                break;
            case "keyfile":
                const string nm = "/etc/NetworkManager/system-connections/";
                yield return File(nm + net.Bridge.Name + ".nmconnection", "host/network/nm-bridge.nmconnection.sbn", "the VM bridge", "0600");
                if (net.Bond is not null)
                {
                    yield return File(nm + net.Bond.Name + ".nmconnection", "host/network/nm-bond.nmconnection.sbn", "the bond uplink", "0600");
                }

                foreach (var port in ports)
                {
                    yield return File(nm + port.Name + ".nmconnection", "host/network/nm-port.nmconnection.sbn", "member of " + port.Master, "0600", port);
                }

                break;
            case "ifupdown":
                yield return File("/etc/network/interfaces.d/provision-" + net.Bridge.Name, "host/network/ifupdown.sbn", "the VM bridge and its uplink", "0644");
                break;
            default:
                yield return File("/etc/netplan/60-provision.yaml", "host/network/netplan.yaml.sbn", "the VM bridge and its uplink", "0600");
                break;
        }
    }
}
