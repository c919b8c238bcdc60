using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Checks;

/// <summary>The GPUs: present with the expected ids, isolated in their IOMMU groups, on vfio-pci from the initramfs on.</summary>
internal static class GpuChecks
{
    private static readonly string[] HostGpuModules = ["nouveau", "nvidia"];

    public static readonly CheckDefinition GpuPresent = new("gpu-present", "Every inventory GPU function exists on the host", CheckStatus.Fail,
        "check the address with 'lspci -D' (a card in another slot has another bus number) and correct gpus[].address",
        "`lspci -Dnn` lists every function with its address. Bus numbers change when cards move slots or a riser is added; `provision discover` prints the addresses as an inventory snippet.")
    { Preflight = true };

    public static readonly CheckDefinition GpuDeviceId = new("gpu-device-id", "Each GPU function has the expected vendor:device id", CheckStatus.Fail,
        "the inventory's gpu_model ids must match the installed card (SXM and PCIe variants of one GPU have different device ids)",
        "`lspci -nn -s ADDRESS` shows [vendor:device]. vfio-pci claims devices by these ids, so a wrong id means the GPU stays on its host driver.")
    { Preflight = true };

    public static readonly CheckDefinition GroupIsolation = new("iommu-group-isolation", "Each GPU's IOMMU group holds only its own functions (and bridges)", CheckStatus.Fail,
        "move the card to a slot with its own group; a companion function (HDMI audio, USB-C) must be listed in gpu_model.functions",
        "An IOMMU group is the smallest unit the IOMMU can isolate and goes to a VM whole. `ls /sys/kernel/iommu_groups/N/devices` lists a group. A NIC or disk controller in a GPU's group means the slot's bridge has no ACS: use another slot or board; the pcie_acs_override patch needs a patched kernel and gives up the isolation it pretends to provide. With iommu.acs_override the groups are judged after the reboot into it (before, the kernel's groups are not the ones the VMs will get).")
    { Preflight = true, Verify = true };

    public static readonly CheckDefinition VfioBound = new("vfio-bound", "Every function of each GPU's IOMMU group is on vfio-pci", CheckStatus.Fail,
        "the initramfs must carry the vfio-pci ids and load it first: rebuild it (update-initramfs -u / dracut -f) and reboot",
        "`lspci -nnk -s ADDRESS` shows 'Kernel driver in use'. A function on nouveau/snd_hda_intel means vfio-pci came too late (initramfs not rebuilt, softdep missing) or its id is not in 'options vfio-pci ids='.")
    { Verify = true };

    public static readonly CheckDefinition DevVfio = new("dev-vfio", "/dev/vfio/N exists for each GPU's group", CheckStatus.Fail,
        "vfio-pci did not take the whole group: see vfio-bound",
        "vfio creates /dev/vfio/N once every device of group N is bound to vfio-pci (or a bridge); libvirt opens it to pass the group through.")
    { Verify = true };

    public static readonly CheckDefinition HostGpuDrivers = new("host-gpu-drivers", "No host driver holds a GPU: nouveau and the NVIDIA driver are not loaded, no GPU function is bound to another driver", CheckStatus.Fail,
        "blacklist nouveau (blacklist_nouveau: true), remove the NVIDIA host driver packages, name any other driver as the function's host_driver (softdep), rebuild the initramfs and reboot",
        "`lsmod | grep -e nouveau -e nvidia` must print nothing, and `lspci -nnk -s ADDRESS` must not show a host driver (amdgpu, snd_hda_intel, ...) in use for a GPU function. A host driver that grabs a GPU first makes it unusable for passthrough until reboot; `softdep DRIVER pre: vfio-pci` (gpu_model.functions[].host_driver) lets vfio-pci claim it first.")
    { Verify = true };

    public static readonly CheckDefinition InitramfsVfio = new("initramfs-vfio", "The initramfs holds vfio-pci and its current config", CheckStatus.Fail,
        "rebuild the initramfs (update-initramfs -u -k all / dracut -f --regenerate-all) and reboot",
        "vfio-pci must claim the GPUs before any other driver, i.e. from the initramfs. `lsinitramfs /boot/initrd.img-$(uname -r) | grep vfio` (Debian/Ubuntu) or `lsinitrd | grep vfio` (EL) must show vfio-pci.ko and etc/modprobe.d/vfio.conf; an image older than /etc/modprobe.d/vfio.conf holds a stale config.")
    ;

    public static IEnumerable<CheckOutcome> EvaluateGpuPresent(CheckInput input)
    {
        foreach (var gpu in input.Desired.Host.Gpus)
        {
            foreach (var function in gpu.Functions.Where(f => input.Facts.Device(f.Address.ToString()) is null))
            {
                yield return new(CheckStatus.Fail, $"GPU function {function.Address} (VM {gpu.Vm.Name}) is not on this host");
            }
        }

        yield return CheckOutcome.Pass($"{input.Desired.Host.Gpus.Sum(g => g.Functions.Count)} functions of {input.Desired.Host.Gpus.Count} GPUs found");
    }

    public static IEnumerable<CheckOutcome> EvaluateGpuDeviceId(CheckInput input)
    {
        foreach (var function in input.Desired.Host.Gpus.SelectMany(g => g.Functions))
        {
            if (input.Facts.Device(function.Address.ToString()) is { } device && function.Id is not null && device.VendorDevice != function.Id.ToString())
            {
                yield return new(CheckStatus.Fail, $"{function.Address} is {device.VendorDevice}, not the expected {function.Id}");
            }
        }

        yield return CheckOutcome.Pass("every present function has its expected id");
    }

    public static IEnumerable<CheckOutcome> EvaluateGroupIsolation(CheckInput input)
    {
        var facts = input.Facts;
        if (!facts.IommuActive)
        {
            yield return CheckOutcome.Skip("the IOMMU is not active: groups are known after the reboot");
            yield break;
        }

        // pcie_acs_override changes the groups at the next boot: judged then (verify), not now.
        if (input.Desired.Host.Iommu.AcsOverride && !facts.CmdlineArgs.Any(a => a.StartsWith("pcie_acs_override=", StringComparison.Ordinal)))
        {
            yield return new(CheckStatus.Warn, "iommu.acs_override is set and the running kernel booted without pcie_acs_override: the groups are checked after the reboot into it",
                "apply, then see the verification: a kernel without the ACS override patch leaves the groups as they are, and the host fails there");
            yield break;
        }

        var passedThrough = PassedThrough(input);
        var gpus = input.Desired.Host.Gpus;
        foreach (var gpu in gpus)
        {
            foreach (var group in Groups(gpu, facts))
            {
                // A group goes to ONE VM whole: a second GPU of the same group given to another VM
                // cannot start (its group is already held). Reported once, at the group's first GPU.
                var sharing = gpus.Where(g => g.Vm.Name != gpu.Vm.Name && Groups(g, facts).Contains(group)).ToList();
                if (sharing.Count > 0 && gpus.First(g => Groups(g, facts).Contains(group)) == gpu)
                {
                    var holders = string.Join(", ", new[] { gpu }.Concat(sharing).Select(g => $"GPU {g.Address} (VM {g.Vm.Name})"));
                    yield return new(CheckStatus.Fail, $"IOMMU group {group} holds {holders}: a group goes to one VM whole, so the second VM could never start",
                        "leave all but one of them out of the host's gpus, or move a card to a slot with its own group (each GPU gets its own VM, so no one VM can take the whole group)");
                }

                foreach (var member in facts.GroupMembers(group).Where(m => !passedThrough.Contains(m.Address) && !m.IsBridge))
                {
                    var sameSlot = member.Address[..^1] == gpu.Address.ToString()[..^1];
                    yield return sameSlot
                        ? new(CheckStatus.Fail, $"{member.Address} ({member.VendorDevice}) shares IOMMU group {group} with GPU {gpu.Address} but is not passed through with it",
                            $"add function {member.Address[^1]} (id {member.VendorDevice}) to gpu_model.functions: a group goes to a VM whole, the audio function too")
                        : new(CheckStatus.Fail, $"IOMMU group {group} of GPU {gpu.Address} also holds {member.Address} ({member.VendorDevice}, class {member.Class})",
                            "the GPU's slot is not isolated (no ACS on the bridge above it): move the card to a slot with its own group; pcie_acs_override needs a patched kernel and weakens isolation");
                }
            }
        }

        yield return CheckOutcome.Pass("each GPU's group holds only its own functions");
    }

    // Plain loops in the verify checks: apply runs them in every process, and LINQ over value tuples is JIT-compiled on first use.
    public static IEnumerable<CheckOutcome> EvaluateVfioBound(CheckInput input)
    {
        var facts = input.Facts;
        var count = 0;
        foreach (var gpu in input.Desired.Host.Gpus)
        {
            foreach (var group in Groups(gpu, facts))
            {
                foreach (var member in facts.GroupMembers(group))
                {
                    if (member.IsBridge)
                    {
                        continue;
                    }

                    count++;
                    if (member.Driver != "vfio-pci")
                    {
                        yield return new(CheckStatus.Fail, $"{member.Address} ({member.VendorDevice}) in the group of GPU {gpu.Address} is on {member.Driver ?? "no driver"}, not vfio-pci",
                            member.Driver is { } driver && facts.DriverInfo(driver) is { BuiltIn: true } info ? BuiltInFix(info) : null);
                    }
                }
            }
        }

        yield return count == 0 ? CheckOutcome.Skip("no GPU group to look at") : CheckOutcome.Pass($"{count} functions on vfio-pci");
    }

    public static IEnumerable<CheckOutcome> EvaluateDevVfio(CheckInput input)
    {
        var present = new List<string>();
        foreach (var gpu in input.Desired.Host.Gpus)
        {
            foreach (var group in Groups(gpu, input.Facts))
            {
                if (input.Facts.VfioGroupDevices.Contains(group))
                {
                    present.Add("/dev/vfio/" + group.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    yield return new(CheckStatus.Fail, $"/dev/vfio/{group} is missing for GPU {gpu.Address}");
                }
            }
        }

        yield return present.Count == 0 ? CheckOutcome.Skip("no GPU group to look at") : CheckOutcome.Pass(string.Join(' ', present));
    }

    public static IEnumerable<CheckOutcome> EvaluateHostGpuDrivers(CheckInput input)
    {
        if (input.Desired.Host.Gpus.Count == 0)
        {
            yield break;
        }

        // A driver that drives only a card the host keeps (07, 11: a GT 710 or GTX 1060 for the
        // host's own display) is that card's, not a trap: only one holding a passed-through function is.
        var passed = PassedThrough(input);
        var hostCards = KeptByHost(input).ToList();
        foreach (var module in HostGpuModules.Where(input.Facts.LoadedModules.Contains))
        {
            var onPassed = input.Facts.PciDevices.Any(d => passed.Contains(d.Address) && d.Driver == module);
            if (!onPassed && hostCards.Any(d => d.Driver == module))
            {
                continue;
            }

            yield return new(CheckStatus.Fail, $"{module} is loaded on the host",
                module == "nouveau" ? "blacklist it (blacklist_nouveau: true), rebuild the initramfs and reboot" : "remove the NVIDIA driver packages from the host (the VMs carry it), rebuild the initramfs and reboot");
        }

        // Once the IOMMU is on, vfio-bound names every function of a GPU's group not on vfio-pci;
        // before (no groups yet), this is where a function held by amdgpu, e1000e... shows.
        foreach (var function in input.Facts.IommuActive ? [] : input.Desired.Host.Gpus.SelectMany(g => g.Functions))
        {
            if (input.Facts.Device(function.Address.ToString()) is { Driver: { } driver } && driver != "vfio-pci" && !HostGpuModules.Contains(driver))
            {
                var info = input.Facts.DriverInfo(driver);
                yield return new(CheckStatus.Fail, $"{function.Address} is held by the host driver {driver}",
                    info is { BuiltIn: true } ? BuiltInFix(info)
                    : $"apply (it writes the early rebind by address into the initramfs, which gives the function to vfio-pci before {driver} can load) and reboot");
            }
        }

        yield return CheckOutcome.Pass("no host GPU driver loaded or bound");
    }

    public static readonly CheckDefinition HostDriverModule = new("host-driver-module", "Each host_driver names a loadable module", CheckStatus.Warn,
        "write the module's name as host_driver (the fix names it), or drop host_driver for a driver built into the kernel",
        "modprobe.d's `softdep` and `blacklist` take module names, and only loadable modules obey them. A driver's module is at `/sys/bus/pci/drivers/DRIVER/module` (driver nvidia-gpu is module i2c_nvidia_gpu, xhci_hcd is xhci_pci); it is built in when `/sys/module/MODULE/initstate` is missing. A function held by a built-in driver is moved by the early rebind by address that Provisioner puts into the initramfs, not by a softdep.")
    { Preflight = true };

    /// <summary>The fix for a function a built-in driver holds: the early rebind, which apply writes and the initramfs carries.</summary>
    private static string BuiltInFix(PciDriverFacts driver) =>
        $"{driver.Driver} is built into the kernel (module {driver.Module}): no softdep or blacklist acts on it. The early rebind by address in the initramfs moves the function: apply (it writes the script and rebuilds the initramfs) and reboot";

    public static IEnumerable<CheckOutcome> EvaluateHostDriverModule(CheckInput input)
    {
        foreach (var function in input.Desired.Host.Gpus.SelectMany(g => g.Functions))
        {
            if (function.HostDriver is not { } named || input.Facts.DriverInfo(named) is not { } driver)
            {
                continue;
            }

            if (driver.BuiltIn)
            {
                yield return new(CheckStatus.Warn, $"host_driver {named} of {function.Address} is built into the kernel: its softdep never acts",
                    $"drop host_driver from function {function.Address.Function}: the early rebind by address moves what {named} holds");
            }
            else if (driver.Module != named.Replace('-', '_'))
            {
                yield return new(CheckStatus.Warn, $"host_driver {named} of {function.Address} is a driver's name, not a module's: modprobe.d never matches it",
                    $"write host_driver: {driver.Module} (its module) for function {function.Address.Function}");
            }
        }

        yield return CheckOutcome.Pass("every host_driver is a loadable module");
    }

    public static readonly CheckDefinition HostCardKept = new("host-card-kept", "A card the host keeps keeps its driver", CheckStatus.Warn,
        "bind by address (vfio_binding: address), give the host a card of another model than the passed-through ones, or pass this one through too; where it must stay on the host, leave nouveau loadable (blacklist_nouveau: false: the softdeps still load vfio-pci first for the GPUs)",
        "vfio-pci's `ids=` binds every device of those vendor:device ids, wherever it sits, and `blacklist nouveau` takes nouveau from every NVIDIA card: a display card meant for the host (its console, a desktop) is taken with the guests' ones. `vfio_binding: address` binds by address only (driver_override in the initramfs, no ids): an identical card then stays on the host.")
    { Preflight = true };

    /// <summary>Display devices the inventory does not pass through (the host's own cards, integrated GPUs included).</summary>
    internal static IEnumerable<PciDeviceFacts> KeptByHost(CheckInput input)
    {
        var passed = PassedThrough(input);
        return input.Facts.PciDevices.Where(d => d.Class.StartsWith("03", StringComparison.Ordinal) && !passed.Contains(d.Address));
    }

    public static IEnumerable<CheckOutcome> EvaluateHostCardKept(CheckInput input)
    {
        if (input.Desired.Host.Gpus.Count == 0)
        {
            yield break;
        }

        var ids = input.Desired.Vfio.Ids.ToHashSet(StringComparer.Ordinal);
        foreach (var card in KeptByHost(input))
        {
            if (ids.Contains(card.VendorDevice))
            {
                yield return new(CheckStatus.Warn, $"{card.Address} ({card.VendorDevice}) stays on the host, but vfio-pci claims that id for the VMs: it would be taken too",
                    "set vfio_binding: address for this host (vfio-pci then takes the listed addresses only), pass it through too, or give the host a card of another model");
            }
            else if (card.VendorDevice.StartsWith("10de:", StringComparison.Ordinal) && input.Desired.Host.BlacklistNouveau && card.Driver is null or "nouveau")
            {
                yield return new(CheckStatus.Warn, $"{card.Address} ({card.VendorDevice}) stays on the host, but blacklist_nouveau takes nouveau from it: it would have no driver",
                    "set blacklist_nouveau: false for this host (the softdeps still load vfio-pci before nouveau for the GPUs), or run the NVIDIA driver on the host card");
            }
        }

        yield return CheckOutcome.Pass("every card the host keeps keeps its driver");
    }

    public static IEnumerable<CheckOutcome> EvaluateInitramfsVfio(CheckInput input)
    {
        var facts = input.Facts;
        if (facts.Deep is null)
        {
            yield return CheckOutcome.Skip("the initramfs was not read");
            yield break;
        }

        if (input.Desired.Host.Gpus.Count == 0)
        {
            yield break;
        }

        var rebuild = TriggerCommands.Command(Trigger.RebuildInitramfs, input.Desired.Os, HostPaths.Default) + ", then reboot";
        if (facts.Initramfs.Count == 0)
        {
            yield return new(CheckStatus.Fail, $"no initramfs for the running kernel {facts.Kernel}", rebuild);
            yield break;
        }

        // The config files a rebuild takes in: each must be in the image and older than it.
        var configs = input.Desired.Files.Where(f => f.Triggers.Contains(Trigger.RebuildInitramfs) && f.Path.StartsWith("/etc/modprobe.d/", StringComparison.Ordinal)).ToList();
        foreach (var image in facts.Initramfs)
        {
            var entries = facts.Deep.InitramfsEntries.GetValueOrDefault(image.Path) ?? [];
            if (!facts.Deep.VfioPciBuiltin && !entries.Any(e => e.Contains("/vfio-pci.ko", StringComparison.Ordinal) || e.Contains("/vfio_pci.ko", StringComparison.Ordinal)))
            {
                yield return new(CheckStatus.Fail, $"{image.Path} holds no vfio-pci module", rebuild);
            }

            if (input.Desired.Files.Any(f => IsRebindScript(f.Path)) && !entries.Any(IsRebindScript))
            {
                yield return new(CheckStatus.Fail, $"{image.Path} lacks the early vfio-pci rebind (provision-vfio-bind)", rebuild);
            }

            foreach (var config in configs.Where(c => !entries.Contains(c.Path.TrimStart('/'))))
            {
                yield return new(CheckStatus.Fail, $"{image.Path} lacks {config.Path}", rebuild);
            }

            foreach (var config in configs.Where(c => facts.Files.GetValueOrDefault(c.Path) is { Exists: true } file && file.ModifiedUnix > image.ModifiedUnix))
            {
                yield return new(CheckStatus.Fail, $"{config.Path} changed after {image.Path} was built: the initramfs holds the old config", rebuild);
            }
        }

        yield return CheckOutcome.Pass(string.Join(", ", facts.Initramfs.Select(i => i.Path)) + " holds vfio-pci and its config");
    }

    /// <summary>The early rebind script, as apply writes it (init-top script, dracut hook) and as the image lists it (scripts/init-top/..., hooks/pre-udev/00-...sh).</summary>
    private static bool IsRebindScript(string path) =>
        path.EndsWith("provision-vfio-bind", StringComparison.Ordinal) || path.EndsWith("provision-vfio-bind.sh", StringComparison.Ordinal);

    /// <summary>The addresses of every function the inventory passes through, on this host.</summary>
    private static HashSet<string> PassedThrough(CheckInput input) =>
        input.Desired.Host.Gpus.SelectMany(g => g.Functions).Select(f => f.Address.ToString()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The IOMMU groups a GPU's functions are in (one, normally).</summary>
    internal static IEnumerable<int> Groups(Inventory.Model.Gpu gpu, HostFacts facts) =>
        gpu.Functions.Select(f => facts.Device(f.Address.ToString())?.IommuGroup).OfType<int>().Distinct();
}
