using System.Globalization;
using System.Text;

namespace Provisioner.Core.Facts;

/// <summary>
/// Parses the probe's output: one record per line, fields separated by tabs, the record kind
/// first (see Remote/Facts/FactProbe for the script that writes it). The last line must be
/// "end ok": output cut short by a dropped connection is an error, never partial facts.
/// </summary>
public static class FactsParser
{
    /// <summary>
    /// Every record tag this parser reads. The probe script (Provisioner.Remote/Facts/probe.sh)
    /// prints exactly these: a test compares the two, so neither can grow a tag the other lacks.
    /// </summary>
    public static IReadOnlySet<string> Tags { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "hostname", "kernel", "boot_id", "cmdline", "os", "file", "sum", "meta", "content", "pci", "pcilink", "pcidriver", "node", "module", "boot", "systemd_boot", "initramfs", "pkg", "exists", "libvirt", "firmware_iommu", "svc", "dev_vfio", "cpu", "irq_remap", "listen", "listen_read", "bar", "deep", "initramfs_listed", "initramfs_entry", "vfio_builtin", "qemu", "qemu_machine", "pcipath", "pciname", "nic", "niclink", "end",
    };

    public static HostFacts Parse(string output)
    {
        var os = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new Dictionary<string, FileFacts>(StringComparer.Ordinal);
        var pci = new List<PciDeviceFacts>();
        var nodes = new List<NumaNodeFacts>();
        var modules = new List<string>();
        var boot = new List<BootEntryFacts>();
        var initramfs = new List<InitramfsFacts>();
        var packages = new List<string>();
        string hostname = "", kernel = "", bootId = "", cmdline = "";
        var vfioGroups = new List<int>();
        var services = new List<ServiceFacts>();
        string? firmwareIommu = null;
        string? libvirtSocket = null;
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var complete = false;
        CpuFacts? cpu = null;
        bool? remapping = null;
        List<ListenerFacts>? listeners = null;
        var bars = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var deep = false;
        var initramfsEntries = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var vfioBuiltin = false;
        QemuFacts? qemu = null;
        var qemuMachines = new List<string>();
        var pciPaths = new Dictionary<string, string>(StringComparer.Ordinal);
        string? systemdBoot = null;
        var drivers = new Dictionary<string, PciDriverFacts>(StringComparer.Ordinal);
        var pciNames = new Dictionary<string, PciNameFacts>(StringComparer.Ordinal);
        var nics = new List<NicFacts>();
        var nicLinks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split('\t');
            switch (f[0])
            {
                case "hostname": hostname = Field(f, 1); break;
                case "kernel": kernel = Field(f, 1); break;
                case "boot_id": bootId = Field(f, 1); break;
                case "cmdline": cmdline = Field(f, 1); break;
                case "os":
                    var eq = Field(f, 1).IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        os[f[1][..eq]] = f[1][(eq + 1)..].Trim('"');
                    }

                    break;
                case "file" when Field(f, 2) == "-":
                    files[f[1]] = new FileFacts(f[1], false, null, null, null, null, null, 0);
                    break;
                case "sum":
                    File(files, Field(f, 1), x => x with { Sha256 = Field(f, 2) });
                    break;
                case "meta":
                    File(files, Field(f, 1), x => x with { Mode = Field(f, 2).PadLeft(4, '0'), Owner = Field(f, 3), Group = Field(f, 4), ModifiedUnix = Long(Field(f, 5)) });
                    break;
                case "content":
                    File(files, Field(f, 1), x => x with { Content = Encoding.UTF8.GetString(Convert.FromBase64String(f.Length > 2 ? f[2] : "")) });
                    break;
                case "pci":
                    pci.Add(new PciDeviceFacts(Field(f, 1), Hex4(Field(f, 2)) + ":" + Hex4(Field(f, 3)), Field(f, 4).Replace("0x", "", StringComparison.Ordinal),
                        null, null, int.Parse(Field(f, 5), CultureInfo.InvariantCulture)));
                    break;
                case "pcilink":
                    var index = pci.FindIndex(d => d.Address == Field(f, 1));
                    if (index >= 0)
                    {
                        pci[index] = Field(f, 2) == "driver"
                            ? pci[index] with { Driver = Field(f, 3) }
                            : pci[index] with { IommuGroup = int.Parse(Field(f, 3), CultureInfo.InvariantCulture) };
                    }

                    break;
                case "pcidriver":
                    drivers[Field(f, 1)] = new PciDriverFacts(Field(f, 1), Field(f, 2), Field(f, 3) == "1");
                    break;
                case "node":
                    nodes.Add(new NumaNodeFacts(int.Parse(Field(f, 1), CultureInfo.InvariantCulture), Long(Field(f, 2)), Long(Field(f, 3)), Long(Field(f, 4)), Long(Field(f, 5)), Long(Field(f, 6)))
                    {
                        Cpus = f.Length > 7 ? f[7] : "",
                    });
                    break;
                case "module": modules.Add(Field(f, 1)); break;
                case "boot": boot.Add(new BootEntryFacts(Field(f, 1), Field(f, 2))); break;
                case "systemd_boot": systemdBoot ??= Field(f, 1); break;
                case "initramfs": initramfs.Add(new InitramfsFacts(Field(f, 1), Long(Field(f, 2)))); break;
                case "pkg": packages.Add(Field(f, 1)); break;
                case "exists": existing.Add(Field(f, 1)); break;
                case "libvirt": libvirtSocket = Field(f, 1); break;
                case "firmware_iommu": firmwareIommu = Field(f, 1); break;
                case "svc": services.Add(new ServiceFacts(Field(f, 1), Field(f, 2), Field(f, 3))); break;
                case "dev_vfio": vfioGroups.Add(int.Parse(Field(f, 1), CultureInfo.InvariantCulture)); break;
                case "cpu":
                    cpu = new CpuFacts(Field(f, 1), f.Length > 4 ? f[4] : "", (int)Long(Field(f, 2)), Field(f, 3) is "vmx" or "svm" ? f[3] : null);
                    break;
                case "irq_remap": remapping = Field(f, 1) == "1"; break;
                case "listen" when ProcNetTcp.Listener(Field(f, 1)) is { } listener:
                    (listeners ??= []).Add(listener);
                    break;
                case "listen_read": listeners ??= []; break;
                case "bar":
                    var size = ProcNetTcp.Hex(Field(f, 3)) - ProcNetTcp.Hex(Field(f, 2)) + 1;
                    if (size > 1)
                    {
                        (bars.TryGetValue(f[1], out var list) ? list : bars[f[1]] = []).Add(size);
                    }

                    break;
                case "deep": deep = true; break;
                case "initramfs_listed": initramfsEntries.TryAdd(Field(f, 1), []); break;
                case "initramfs_entry":
                    (initramfsEntries.TryGetValue(Field(f, 1), out var entries) ? entries : initramfsEntries[f[1]] = []).Add(Field(f, 2));
                    break;
                case "vfio_builtin": vfioBuiltin = true; break;
                case "qemu": qemu = new QemuFacts(Field(f, 1), Field(f, 2), []); break;
                case "qemu_machine": qemuMachines.Add(Field(f, 1)); break;
                case "pcipath": pciPaths[Field(f, 1)] = Field(f, 2); break;
                case "pciname" when LspciMachine.Parse(Field(f, 1)) is { } named: pciNames[named.Address] = named.Names; break;
                case "nic": nics.Add(new NicFacts(Field(f, 1), Field(f, 2), null)); break;
                case "niclink": nicLinks[Field(f, 1)] = Field(f, 2); break;
                case "end": complete = Field(f, 1) == "ok"; break;
                default: break; // newer probes may send more; ignoring keeps old planners working
            }
        }

        if (!complete)
        {
            throw new FormatException("the fact probe's output ended early (no 'end ok' line): the connection may have dropped");
        }

        return new HostFacts(hostname, os, kernel, bootId, cmdline, files, pci, nodes, modules, boot, initramfs, packages, vfioGroups)
        {
            Services = services,
            FirmwareIommu = firmwareIommu,
            ExistingPaths = existing,
            LibvirtSocket = libvirtSocket,
            Cpu = cpu,
            InterruptRemapping = remapping,
            Listeners = listeners,
            Bars = bars.ToDictionary(b => b.Key, b => (IReadOnlyList<long>)b.Value, StringComparer.Ordinal),
            PciDrivers = drivers,
            SystemdBootLoader = systemdBoot,
            Deep = deep
                ? new DeepFacts(initramfsEntries.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)e.Value, StringComparer.Ordinal), vfioBuiltin, pciNames,
                    [.. nics.Select(n => n with { PciAddress = PciOfNetLink(nicLinks.GetValueOrDefault(n.Name)) })])
                { Qemu = qemu is null ? null : qemu with { Machines = [.. qemuMachines] }, PciPaths = pciPaths }
                : null,
        };
    }

    /// <summary>/sys/class/net/NAME links to .../BDF/net/NAME for a PCI NIC (virtual ones live under devices/virtual).</summary>
    private static string? PciOfNetLink(string? target)
    {
        var parts = (target ?? "").Split('/');
        var net = Array.LastIndexOf(parts, "net");
        return net > 0 && Inventory.Values.PciAddress.TryParse(parts[net - 1], out _) ? parts[net - 1] : null;
    }

    /// <summary>Files come as three records (sum, meta, content): each fills in its part.</summary>
    private static void File(Dictionary<string, FileFacts> files, string path, Func<FileFacts, FileFacts> update) =>
        files[path] = update(files.GetValueOrDefault(path) ?? new FileFacts(path, true, null, null, null, null, null, 0));

    private static string Field(string[] fields, int index) =>
        index < fields.Length ? fields[index] : throw new FormatException($"fact record '{fields[0]}' has {fields.Length} fields, needs more than {index}");

    private static long Long(string value) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Hex4(string value) => value.Replace("0x", "", StringComparison.Ordinal).ToLowerInvariant().PadLeft(4, '0');
}
