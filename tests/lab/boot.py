#!/usr/bin/python3
"""Boot emulation of one lab host: what the kernel would show after this boot.

Run by host-init.sh (outside the host's chroot) with the host's root, its hardware profile and
the /proc/cmdline of this boot. It builds a fake sysfs (PCI devices, IOMMU groups, NUMA nodes,
drivers and their modules) and /dev/vfio, then decides each device's driver the way the kernel
would, from what the initramfs built last holds and from the command line:

  vfio-pci  only if the IOMMU is on (firmware AND cmdline), and either
            - vfio-pci claims the device's id and loads before the device's own driver. Its ids
              come from 'vfio-pci.ids=' on the cmdline and, for a loadable vfio-pci only, from
              the initramfs's 'options vfio-pci ids='. A built-in vfio-pci (profile
              'vfio_builtin') registers while the kernel boots, before every module and before
              the built-in drivers linked after drivers/vfio (USB's xhci_hcd, HD audio), not
              before a built-in display driver. A loadable vfio-pci comes before a module when
              it is early in the initramfs or a 'softdep MODULE pre: vfio-pci' names that
              module, and never before a built-in driver (it bound while the kernel booted);
            - or the initramfs's early rebind script (driver_override + unbind + drivers_probe)
              names the device's address: that moves it from any driver, built-in ones too;
  none      if the device's own driver is a loadable module blacklisted in that initramfs (a
            blacklist cannot stop a built-in driver);
  otherwise the device's own driver (nouveau, snd_hda_intel, xhci_hcd, ...).

A device's driver ('host_driver', as sysfs names it) comes from its module ('module', what
modprobe.d names: nvidia-gpu is i2c_nvidia_gpu); 'builtin': true marks it built into the kernel.
Profiles written before those fields have a loadable module of the driver's own name.

So the classic failures reproduce: initramfs not rebuilt after the vfio config changed, the
audio function left out of ids=, IOMMU off in the cmdline or in firmware, a softdep written for
a driver name or a built-in driver, options ids= that a built-in vfio-pci never reads.
"""
import glob
import json
import os
import re
import subprocess
import sys


def main(root, profile_path, cmdline):
    profile = json.load(open(profile_path))
    args = cmdline.split()
    manifest = newest_initramfs(root)
    iommu = iommu_on(profile, args)
    # A kernel with the ACS override patch (profile 'acs_override_kernel') splits the groups once
    # the cmdline asks for it: the groups a twin's dump listed after the override, numbered after
    # every other one. A stock kernel ignores pcie_acs_override, as on metal.
    if (profile.get("acs_override_kernel", False) and any(a.startswith("pcie_acs_override=") for a in args)
            and profile.get("groups_after_acs_override")):
        base = max(d["group"] for d in profile["devices"] if "group" in d) + 1
        for device in profile["devices"]:
            if device["bdf"] in profile["groups_after_acs_override"]:
                device["group"] = base + profile["groups_after_acs_override"][device["bdf"]]
    config = "\n".join(manifest["files"].values())
    vfio_builtin = profile.get("vfio_builtin", False)
    vfio_ids = set()
    for arg in args:
        if arg.startswith(("vfio-pci.ids=", "vfio_pci.ids=")):
            vfio_ids = {i.lower() for i in arg.split("=", 1)[1].split(",") if i}  # the last one counts
    if not vfio_builtin:  # modprobe.d is read only when the module loads
        for match in re.finditer(r"^\s*options\s+vfio[-_]pci\s+.*?ids=([0-9a-fA-F:,]+)", config, re.M):
            vfio_ids.update(i.lower() for i in match.group(1).split(","))
    blacklisted = {m.replace("-", "_") for m in re.findall(r"^\s*blacklist\s+(\S+)", config, re.M)}
    softdeps = {m.replace("-", "_") for m in re.findall(r"^\s*softdep\s+(\S+)\s+pre:.*\bvfio[-_]pci\b", config, re.M)}
    vfio_early = manifest.get("vfio_early", False) or "rd.driver.pre=vfio-pci" in args or "rd.driver.pre=vfio_pci" in args
    rebind = set()
    for text in manifest["files"].values():
        if "driver_override" in text:  # the early rebind: its 'for ... in ADDRESSES; do' list
            for match in re.finditer(r"^\s*for\s+\w+\s+in\s+([^;]*);\s*do", text, re.M):
                rebind.update(a.lower() for a in match.group(1).split())

    drivers = {}
    for device in profile["devices"]:
        own = device["host_driver"]
        module, builtin = device_module(device)
        if builtin:
            before_own = vfio_builtin and not device["class"].startswith("03")
        else:
            before_own = vfio_builtin or vfio_early or module in softdeps or own is None
        if iommu and ((device["id"] in vfio_ids and before_own) or device["bdf"] in rebind):
            drivers[device["bdf"]] = "vfio-pci"
        elif not builtin and module in blacklisted:
            drivers[device["bdf"]] = None
        else:
            drivers[device["bdf"]] = own

    build_sysfs(root, profile, iommu, drivers)
    build_dev_vfio(root, profile, iommu, drivers)
    build_hugepages(root, profile, args)
    build_proc(root, profile, iommu)
    # Modules appear as /sys/module/NAME, as on a real kernel (this lab's kernel has no
    # /proc/modules): a loaded one with its 'initstate', a built-in one without. Each bound
    # driver's /sys/bus/pci/drivers/DRIVER/module links to its module.
    modules = {}
    for device in profile["devices"]:
        if drivers[device["bdf"]] == device["host_driver"] and device["host_driver"]:
            module, builtin = device_module(device)
            if module:
                modules[module] = builtin
                link(os.path.join(root, "sys/bus/pci/drivers", device["host_driver"], "module"), f"../../../../module/{module}")
    if "vfio-pci" in drivers.values():
        modules.update({"vfio": vfio_builtin, "vfio_iommu_type1": vfio_builtin, "vfio_pci": vfio_builtin})
        link(os.path.join(root, "sys/bus/pci/drivers/vfio-pci/module"), "../../../../module/vfio_pci")
    for module, builtin in sorted(modules.items()):
        os.makedirs(os.path.join(root, "sys/module", module), exist_ok=True)
        if not builtin:
            write(os.path.join(root, "sys/module", module, "initstate"), "live\n")
    if vfio_builtin:
        write(os.path.join(root, "lib/modules", os.uname().release, "modules.builtin"), "kernel/drivers/vfio/pci/vfio-pci.ko\n")


def device_module(device):
    """(module, built in) of a device's own driver: what modprobe.d names it, and whether it is in the kernel."""
    own = device["host_driver"]
    if "module" in device:
        return device["module"], bool(device.get("builtin", False))
    return (own.replace("-", "_") if own else None), False


def newest_initramfs(root):
    """The initramfs this boot loads: the newest one the stubs built for the running kernel."""
    release = os.uname().release
    candidates = [os.path.join(root, "boot", name) for name in (f"initrd.img-{release}", f"initramfs-{release}.img")]
    existing = [c for c in candidates if os.path.exists(c)]
    if not existing:
        return {"files": {}}
    return json.load(open(max(existing, key=os.path.getmtime)))


def iommu_on(profile, args):
    if not profile.get("iommu_in_firmware", True) or "iommu=off" in args:
        return False
    if profile.get("cpu_vendor") == "amd":
        return "amd_iommu=off" not in args  # AMD-Vi is on by default when the firmware enables it
    # As on EL kernels, VT-d needs intel_iommu=on; a kernel built to turn it on by default
    # (profile 'iommu_default_on': Debian's, Fedora's) needs only that nothing turns it off.
    if profile.get("iommu_default_on", False):
        return "intel_iommu=off" not in args
    return "intel_iommu=on" in args


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(text)


def device_paths(profile):
    """Each device's directory under /sys, as the kernel nests it: under its parent bridge
    (profile 'parent': a root port or a switch port), up to the root complex's pciDDDD:BB. A
    device with no parent sits on a root bus of its own bus number (AMD and multi-socket hosts
    have several root complexes: pci0000:00, pci0000:40, ...)."""

    # 'bridges': the ports above a device that a twin's dump shows only in its tree (no ids):
    # path components here, not devices.
    parents = {**profile.get("bridges", {}), **{d["bdf"]: d.get("parent") for d in profile["devices"]}}
    paths = {}

    def path(bdf, seen=()):
        if bdf in paths:
            return paths[bdf]
        parent = parents.get(bdf)
        if parent and parent not in seen:
            result = path(parent, seen + (bdf,)) + "/" + bdf
        else:
            domain, bus = bdf.split(":")[:2]
            result = f"devices/pci{domain}:{bus}/{bdf}"
        paths[bdf] = result
        return result

    for device in profile["devices"]:
        path(device["bdf"])
    return paths


def build_sysfs(root, profile, iommu, drivers):
    sys_root = os.path.join(root, "sys")
    paths = device_paths(profile)

    def rel(link_path, bdf, tail=""):  # a symlink's target, relative as sysfs writes them
        return os.path.relpath(os.path.join(sys_root, paths[bdf], tail), os.path.dirname(link_path)).rstrip("/")

    for device in profile["devices"]:
        bdf = device["bdf"]
        vendor, dev = device["id"].split(":")
        base = os.path.join(sys_root, paths[bdf])
        write(os.path.join(base, "vendor"), f"0x{vendor}\n")
        write(os.path.join(base, "device"), f"0x{dev}\n")
        write(os.path.join(base, "class"), f"0x{device['class']}\n")
        write(os.path.join(base, "numa_node"), f"{device['numa']}\n")
        write(os.path.join(base, "modalias"), f"pci:v0000{vendor.upper()}d0000{dev.upper()}sv*sd*bc{device['class'][:2]}sc{device['class'][2:4]}i{device['class'][4:]}\n")
        # 64 bytes of config space: what lspci reads for ids and class.
        config = bytearray(64)
        config[0:2] = int(vendor, 16).to_bytes(2, "little")
        config[2:4] = int(dev, 16).to_bytes(2, "little")
        config[9] = int(device["class"][4:6], 16)
        config[10] = int(device["class"][2:4], 16)
        config[11] = int(device["class"][0:2], 16)
        with open(os.path.join(base, "config"), "wb") as out:
            out.write(bytes(config))
        write(os.path.join(base, "resource"), resources(device))
        devlink = os.path.join(sys_root, "bus/pci/devices", bdf)
        link(devlink, rel(devlink, bdf))
        if device["class"].startswith("02"):
            bus, slot_fn = bdf.split(":")[1:]
            name = device.get("ifname", f"enp{int(bus, 16)}s{int(slot_fn.split('.')[0], 16)}f{slot_fn.split('.')[1]}")
            write(os.path.join(base, "net", name, "address"), device.get("mac", "52:54:00:%02x:%02x:%02x" % (int(bus, 16), int(slot_fn.split(".")[0], 16), int(slot_fn.split(".")[1]))) + "\n")
            netlink = os.path.join(sys_root, "class/net", name)
            link(netlink, rel(netlink, bdf, f"net/{name}"))
        driver = drivers[bdf]
        if driver:
            os.makedirs(os.path.join(sys_root, "bus/pci/drivers", driver), exist_ok=True)
            link(os.path.join(base, "driver"), os.path.relpath(os.path.join(sys_root, "bus/pci/drivers", driver), base))
            bound = os.path.join(sys_root, "bus/pci/drivers", driver, bdf)
            link(bound, rel(bound, bdf))
        if iommu and "group" in device:  # some devices are in no group (AMD's IOMMU itself, for one)
            group = str(device["group"])
            link(os.path.join(base, "iommu_group"), os.path.relpath(os.path.join(sys_root, "kernel/iommu_groups", group), base))
            member = os.path.join(sys_root, "kernel/iommu_groups", group, "devices", bdf)
            link(member, rel(member, bdf))
    os.makedirs(os.path.join(sys_root, "kernel/iommu_groups"), exist_ok=True)
    # ACPI tables as the firmware publishes them: DMAR (Intel VT-d) or IVRS (AMD-Vi) only when
    # the IOMMU is enabled in the firmware setup, whatever the kernel command line says.
    tables = ["APIC", "FACP", "MCFG"]
    if profile.get("iommu_in_firmware", True):
        tables.append("IVRS" if profile.get("cpu_vendor") == "amd" else "DMAR")
    for table in tables:
        write(os.path.join(sys_root, "firmware/acpi/tables", table), table)
    for node, gib in enumerate(profile.get("memory_gib_per_node", [64])):
        node_dir = os.path.join(sys_root, "devices/system/node", f"node{node}")
        write(os.path.join(node_dir, "meminfo"), f"Node {node} MemTotal:       {gib * 1024 * 1024} kB\n")
        cpus = profile.get("cpus_per_node", 16)
        write(os.path.join(node_dir, "cpulist"), f"{node * cpus}-{(node + 1) * cpus - 1}\n")
        for size in ("hugepages-2048kB", "hugepages-1048576kB"):
            write(os.path.join(node_dir, "hugepages", size, "nr_hugepages"), "0\n")
            write(os.path.join(node_dir, "hugepages", size, "free_hugepages"), "0\n")


def build_hugepages(root, profile, args):
    """Hugepages as a booting host reserves them. First the kernel: 'hugepagesz=1G hugepages=N' on
    the cmdline (the first hugepages= of a size counts, as Linux keeps it), spread evenly over the
    NUMA nodes. Then systemd-sysctl: vm.nr_hugepages from /etc/sysctl.d (2 MiB pages, spread
    evenly). Then the enabled early units (run_sysinit_units), which may set each node's own
    count through sysfs. A node whose memory is fragmented holds fewer than asked (profile
    'hugepages_cap_per_node'): the 'hugepages short on the GPU's node' trap."""
    wanted = {"hugepages-2048kB": 0, "hugepages-1048576kB": 0}
    size, seen = "hugepages-2048kB", set()
    for arg in args:
        if arg.startswith("hugepagesz="):
            size = "hugepages-1048576kB" if arg.split("=", 1)[1].upper() in ("1G", "1024M") else "hugepages-2048kB"
        elif arg.startswith("hugepages=") and size not in seen:
            # hugetlb_nrpages_setup ignores a second hugepages= for the same size: the first counts.
            wanted[size] = int(arg.split("=", 1)[1])
            seen.add(size)
    for conf in sorted(glob.glob(os.path.join(root, "etc/sysctl.d/*.conf"))):
        for match in re.finditer(r"^\s*vm\.nr_hugepages\s*=\s*(\d+)", open(conf).read(), re.M):
            wanted["hugepages-2048kB"] = int(match.group(1))
    nodes = len(profile.get("memory_gib_per_node", [64]))
    for size, total in wanted.items():
        for node in range(nodes):
            share = total // nodes + (1 if node < total % nodes else 0)
            write(os.path.join(root, "sys/devices/system/node", f"node{node}", "hugepages", size, "nr_hugepages"), f"{share}\n")
    # The pools by size (both registered, as an x86 kernel with 1 GiB page support does).
    for size, total in wanted.items():
        write(os.path.join(root, "sys/kernel/mm/hugepages", size, "nr_hugepages"), f"{total}\n")
    run_sysinit_units(root)
    # What the kernel could really reserve: at most the node's cap; all of them free (no VM runs yet).
    caps = profile.get("hugepages_cap_per_node", [None] * nodes)
    pools = {}
    for size in wanted:
        for node in range(nodes):
            directory = os.path.join(root, "sys/devices/system/node", f"node{node}", "hugepages", size)
            count = int(open(os.path.join(directory, "nr_hugepages")).read())
            if caps[node] is not None:
                count = min(count, caps[node])
            write(os.path.join(directory, "nr_hugepages"), f"{count}\n")
            write(os.path.join(directory, "free_hugepages"), f"{count}\n")
            pools[size] = pools.get(size, 0) + count
    for size, total in pools.items():
        write(os.path.join(root, "sys/kernel/mm/hugepages", size, "nr_hugepages"), f"{total}\n")


def run_sysinit_units(root):
    """systemd runs the oneshot units enabled in sysinit.target early at boot: the host's own ones
    (in /etc/systemd/system) run here, chrooted into the host, against this boot's sysfs (still
    writable). Only those: they are the units that set kernel state (Provisioner's hugepages unit
    is one); later units only show as active (host-init). Their output goes to
    /var/log/lab-units.log; a failing unit is logged, as systemd would, and the boot goes on."""
    for link_path in sorted(glob.glob(os.path.join(root, "etc/systemd/system/sysinit.target.wants/*.service"))):
        target = os.readlink(link_path) if os.path.islink(link_path) else link_path
        if os.path.isabs(target):  # the link names the unit as the host sees it (/etc/systemd/system/...)
            target = os.path.join(root, target.lstrip("/"))
        # The host's own units only (/etc/systemd/system): the distribution's early units
        # (systemd-pstore...) act on kernel state the lab does not have.
        if not os.path.isfile(target) or not target.startswith(os.path.join(root, "etc/systemd/system/")):
            continue
        unit = open(target).read()
        if not re.search(r"^Type=oneshot\s*$", unit, re.M):
            continue
        for command in re.findall(r"^ExecStart=(.+)$", unit, re.M):
            run = subprocess.run(["chroot", root, "/bin/sh", "-c", command], capture_output=True, text=True, check=False)
            log = os.path.join(root, "var/log/lab-units.log")
            os.makedirs(os.path.dirname(log), exist_ok=True)
            with open(log, "a") as out:
                out.write(f"{os.path.basename(link_path)}: {command} (exit {run.returncode})\n{run.stdout}{run.stderr}")


def build_proc(root, profile, iommu):
    """/proc/cpuinfo and /proc/interrupts as this host's kernel would show them (host-init binds
    them over the machine's): the CPU's vendor and its virtualization flag (absent when VT-x /
    AMD-V is off in the firmware), and interrupts remapped ('IR-') when the IOMMU is on."""
    amd = profile.get("cpu_vendor") == "amd"
    vendor = "AuthenticAMD" if amd else "GenuineIntel"
    model = profile.get("cpu_model", "AMD EPYC 7543 32-Core Processor" if amd else "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz")
    flags = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm"
    if profile.get("virtualization_in_firmware", True):
        flags += " svm" if amd else " vmx"
    cpus = profile.get("cpus_per_node", 16) * len(profile.get("memory_gib_per_node", [64]))
    state = os.path.join(root, "var/lib/lab")
    with open(os.path.join(state, "cpuinfo"), "w") as out:
        for cpu in range(cpus):
            out.write(f"processor\t: {cpu}\nvendor_id\t: {vendor}\nmodel name\t: {model}\nflags\t\t: {flags}\n\n")
    chip = "IR-PCI-MSI" if iommu else "PCI-MSI"
    with open(os.path.join(state, "interrupts"), "w") as out:
        out.write("           CPU0       CPU1\n")
        out.write(f"   0:         40          0  {'IR-IO-APIC' if iommu else 'IO-APIC'}    2-edge      timer\n")
        for irq, device in enumerate(d for d in profile["devices"] if d["class"].startswith("02")):
            out.write(f" {120 + irq}:        100          0  {chip} {device['bdf']}    0-edge      {device['host_driver']}\n")


def build_dev_vfio(root, profile, iommu, drivers):
    if not iommu or "vfio-pci" not in drivers.values():
        return
    vfio = os.path.join(root, "dev/vfio")
    os.makedirs(vfio, exist_ok=True)
    os.mknod(os.path.join(vfio, "vfio"), 0o20666, os.makedev(10, 196))
    for group in sorted({d["group"] for d in profile["devices"] if drivers[d["bdf"]] == "vfio-pci" and "group" in d}):
        os.mknod(os.path.join(vfio, str(group)), 0o20600, os.makedev(245, group))


def resources(device):
    """sysfs 'resource': one 'start end flags' line per BAR (then ROM and bridge windows).
    A GPU's BARs come from the profile ('bars_mib'), default what an RTX A5000 shows."""
    bars = device.get("bars_mib", [16, 256, 32] if device["class"].startswith("03") else [])
    lines, address = [], 0x38000000000
    for mib in bars:
        size = mib * 1024 * 1024
        address = (address + size - 1) // size * size
        lines.append("0x%016x 0x%016x 0x%016x" % (address, address + size - 1, 0x14220c))
        address += size
    lines += ["0x%016x 0x%016x 0x%016x" % (0, 0, 0)] * (13 - len(lines))
    return "\n".join(lines) + "\n"


def link(path, target):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.lexists(path):
        os.symlink(target, path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
