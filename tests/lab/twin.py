#!/usr/bin/env python3
"""Turn what an owner published about a real machine into a lab hardware profile (a "twin").

Usage: twin.py DUMP [DUMP...] > profile.json   (tests/lab/twin.sh is the stable entry point)

Reads the listing lines wherever they stand in a pasted document: inside Markdown fences, after
'# ' or '$ ' prompts, between prose. It understands
  - lspci -nn / -nnk / -Dnnk lines:  [DDDD:]BB:SS.F Class name [cccc]: Vendor Device [vvvv:dddd]
    with the '\tKernel driver in use:' / '\tKernel modules:' lines of -k below them;
  - lspci -vn blocks:                 BB:SS.F cccc: vvvv:dddd (rev xx), then 'Kernel driver in use:';
  - IOMMU group listings: the flat loop output ('IOMMU Group N BDF ...'), the block form
    ('IOMMU Group N:' or 'IOMMU group N', then a device a line) and the tree form
    ('├── N' then '│   └── BDF ...');
  - lspci -tv (the bus tree: '-[0000:00]-+-01.1-[01]----00.0  Name'): each device's parent
    bridge, which the profile keeps as 'parent' (boot.py nests /sys/devices by it);
  - /proc/cmdline (a line starting BOOT_IMAGE=), /etc/default/grub (GRUB_CMDLINE_LINUX[_DEFAULT]=),
    modprobe.d lines (options, softdep, blacklist).
A device listed again later (a second group listing after an ACS override) keeps its first group;
the later groups are kept as 'groups_after_acs_override'.

What a dump does not show is filled from a stated default and named in 'assumed': a device's
driver (nouveau/amdgpu for a GPU, snd_hda_intel for HD audio, xhci_hcd for USB, ...), its NUMA
node (0), the memory per node, the CPU vendor (from the host bridge's vendor), that the firmware
enables the IOMMU, and, without an lspci -tv tree, the bus hierarchy (each device then sits on a
root bus of its own number). Exits 1 with a message when no device is found.
"""

import json
import os
import re
import sys

DEVICE_NN = re.compile(
    r"(?:(?P<domain>[0-9a-fA-F]{4}):)?(?P<bdf>[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+"
    r"(?P<classname>[^\[\]]*?)\s*\[(?P<class>[0-9a-fA-F]{4})\]:\s*(?P<name>.*?)\s*"
    r"\[(?P<id>[0-9a-fA-F]{4}:[0-9a-fA-F]{4})\](?:\s*\(rev [0-9a-fA-F]+\))?(?:\s*\(prog-if.*)?\s*$")
DEVICE_VN = re.compile(
    r"^(?:(?P<domain>[0-9a-fA-F]{4}):)?(?P<bdf>[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+"
    r"(?P<class>[0-9a-fA-F]{4}):\s+(?P<id>[0-9a-fA-F]{4}:[0-9a-fA-F]{4})(?:\s*\(rev [0-9a-fA-F]+\))?")
DEVICE_NAMED = re.compile(
    r"^(?:(?P<domain>[0-9a-fA-F]{4}):)?(?P<bdf>[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+(?P<classname>[A-Za-z][^:\[\]]*?):\s+"
    r"(?P<rest>.+?)(?:\s*\(rev [0-9a-fA-F]+\))?(?:\s*\(prog-if.*)?$")
REGION = re.compile(r"^Region \d+: Memory at \S+ .*\[size=(\d+)([KMGT])\]")
PCI_IDS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"]
GROUP_FLAT = re.compile(r"^IOMMU [Gg]roup (\d+)\s+(\S.*)$")
GROUP_BLOCK = re.compile(r"^IOMMU [Gg]roup (\d+):?$")
GROUP_TREE = re.compile(r"^[│├└─\s]*(\d+)$")
TREE_PREFIX = re.compile(r"^[│├└─\s]+")
PROMPT = re.compile(r"^(?:[$#]\s+)")
# lspci -tv: a tree line starts with its drawing ('-[0000:00]-+-', ' |   +-', '\-'); its nodes are
# a root '[DDDD:BB]' or a device 'SS.F', a bridge with its bus range '-[SS-EE]' after it.
TREE_LINE = re.compile(r"^\s*(?:-\+?-\[|[+\\]-|\|)")
TREE_TOKEN = re.compile(r"\[(?P<domain>[0-9a-f]{4}):(?P<root>[0-9a-f]{2})\]|(?P<slot>[0-9a-f]{2}\.[0-7])(?:-\[(?P<secondary>[0-9a-f]{2})(?:-[0-9a-f]{2})?\])?")

# What a kernel binds to a function of this vendor and class when nothing says otherwise, as
# common distribution kernels (Debian's, Ubuntu's) have it: (driver as sysfs names it, the module
# that provides it, built into the kernel?).
DEFAULT_DRIVERS = [
    (("10de", "03"), ("nouveau", "nouveau", False)),
    (("1002", "03"), ("amdgpu", "amdgpu", False)),
    (("8086", "03"), ("i915", "i915", False)),
    (("*", "0403"), ("snd_hda_intel", "snd_hda_intel", False)),
    (("*", "0c03"), ("xhci_hcd", "xhci_pci", True)),
    (("10de", "0c80"), ("nvidia-gpu", "i2c_nvidia_gpu", False)),
    (("*", "0604"), ("pcieport", None, True)),
    (("*", "0106"), ("ahci", "ahci", False)),
    (("*", "0108"), ("nvme", "nvme", False)),
]


def load_pci_ids():
    """pci.ids (Debian's pci.ids package): names to ids, for dumps made with plain lspci (no -nn)."""
    vendors, devices, classes = {}, {}, {}
    path = next((p for p in PCI_IDS if os.path.exists(p)), None)
    if path is None:
        return None
    vendor, klass = None, None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            if line.startswith("C "):
                klass, vendor = line[2:4], None
                continue
            if not line.startswith("\t"):
                vendor, klass = line[:4].lower(), None
                vendors.setdefault(line[6:].strip(), vendor)
                continue
            if line.startswith("\t\t"):
                continue
            if klass is not None:
                classes.setdefault(line[4:].strip().lower(), klass + line[1:3])
            elif vendor is not None:
                devices.setdefault((vendor, line[7:].strip()), line[1:5].lower())
    return vendors, devices, classes


def by_name(names, classname, rest):
    """(vendor:device, class) from pci.ids names, or None when pci.ids does not know them."""
    if names is None:
        return None
    vendors, devices, classes = names
    klass = classes.get(classname.strip().lower())
    for vendor_name in sorted(vendors, key=len, reverse=True):
        if rest.startswith(vendor_name + " "):
            vendor = vendors[vendor_name]
            wanted = rest[len(vendor_name):].strip()
            device = devices.get((vendor, wanted))
            if device is None:
                # pci.ids renames cards over the years ("AD102GL [RTX 6000 Ada Generation]" is now
                # "AD102GL [L6000 / RTX 6000 Ada Generation]"): the same chip and one bracket
                # text inside the other is the same device.
                chip, _, inner = wanted.partition(" [")
                inner = inner.rstrip("]")
                device = next((d for (v, n), d in devices.items() if v == vendor and n.split(" [")[0] == chip and inner
                               and (inner in n or n.partition(" [")[2].rstrip("]") in inner)), None)
            if device and klass:
                return f"{vendor}:{device}", klass + "00"
            return None
    return None


def default_driver(vendor, klass):
    for (v, c), driver in DEFAULT_DRIVERS:
        if (v == "*" or v == vendor) and klass.startswith(c):
            return driver
    return (None, None, False)


def clean(line):
    """A line as listing text: no trailing newline, no prompt, tree drawing kept for the tree form."""
    line = line.rstrip("\n").rstrip()
    return PROMPT.sub("", line.strip()) if PROMPT.match(line.strip()) else line


def parse_tree(lines):
    """Parent bridges from lspci -tv: {address: parent address or None (on a root bus)}.

    A bus's devices all start at one column: the first child is drawn on its bridge's line right
    after the bridge ('-[02-13]--+-00.0'), the others below it at that same column. So a node's bus
    is the one opened at its column, by the last bridge (or root) drawn there."""
    parents = {}
    opened = {}  # column -> (domain, bus, parent address)
    for raw in lines:
        line = raw.rstrip("\n")
        if not TREE_LINE.match(line):
            continue
        drawing = re.split(r"(?<=[0-9a-f]\.[0-7])  +(?=\S)", line, maxsplit=1)[0]  # the device's name starts after two spaces
        pending = None
        for token in TREE_TOKEN.finditer(drawing):
            if token.group("domain"):
                pending = (token.group("domain"), token.group("root"), None)
                continue
            column = token.start()
            if pending:
                opened[column] = pending
            context = opened.get(column)
            pending = None
            if context is None:
                continue
            domain, bus, parent = context
            address = f"{domain}:{bus}:{token.group('slot')}"
            parents[address] = parent
            if token.group("secondary"):
                pending = (domain, token.group("secondary"), address)
    return parents


def parse(paths):
    devices = {}          # address -> device
    order = []
    later_groups = {}     # address -> group in a second listing (after an ACS override)
    cmdline = None
    grub = {}
    modprobe = []
    sources = []
    boot_loader = None
    names = None          # pci.ids, loaded on first need
    for path in paths:
        sources.append(os.path.basename(path))
        group = None       # the block/tree form's current group
        last = None        # the device the -k / -v lines below belong to
        with open(path, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                line = clean(raw)
                text = TREE_PREFIX.sub("", line).strip() if line.strip().startswith(("│", "├", "└")) else line.strip()
                if not text or text.startswith("```"):
                    group = None if text.startswith("```") else group
                    continue
                if text.startswith("BOOT_IMAGE=") and cmdline is None:
                    cmdline = text
                    continue
                match = re.match(r'^(GRUB_CMDLINE_LINUX(?:_DEFAULT)?)="(.*)"$', text)
                if match:
                    grub.setdefault(match.group(1), match.group(2))
                    continue
                if re.match(r"^options\s+\S+=", text):
                    # A systemd-boot entry's kernel command line ('options root=...'), not modprobe's.
                    boot_loader = "systemd-boot"
                    cmdline = cmdline or text.split(None, 1)[1]
                    continue
                if re.match(r"^(options|softdep|blacklist|install)\s+\S", text):
                    modprobe.append(text)
                    continue
                match = REGION.match(text)
                if match and last:
                    size = int(match.group(1)) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[match.group(2)]
                    last.setdefault("bars_mib", []).append(int(size) if size >= 1 else 1)
                    continue
                # lspci -v's block lines: in such a block lspci prints 'NUMA node: N' only where the
                # kernel knows one, so a verbose block without it means numa_node -1.
                if last and raw[:1] in (" ", "\t") and re.match(r"^(Subsystem|Control|Flags|Physical Slot):", text):
                    last["verbose"] = True
                match = re.match(r"^NUMA node:\s*(-?\d+)", text)
                if match and last:
                    last["numa"] = int(match.group(1))
                    last["assumed"].discard("numa")
                    continue
                match = GROUP_BLOCK.match(text) or (GROUP_TREE.match(line) if line.strip().startswith(("│", "├", "└")) else None)
                if match:
                    group = int(match.group(1))
                    continue
                match = re.match(r"^Kernel driver in use:\s*(\S+)", text)
                if match and last:
                    if last["host_driver"] != match.group(1):
                        last["module"] = match.group(1).replace("-", "_")  # until a 'Kernel modules:' line says
                    last["host_driver"] = match.group(1)
                    last["assumed"].discard("host_driver")
                    last["driver_shown"] = True
                    continue
                match = re.match(r"^Kernel modules:\s*(.+)$", text)
                if match and last:
                    # The candidates that could drive it; the driver in use comes from the one of its name.
                    candidates = [m.strip() for m in match.group(1).split(",") if m.strip()]
                    own = (last["host_driver"] or "").replace("-", "_")
                    last["module"] = own if own in candidates else candidates[0] if len(candidates) == 1 else last["module"]
                    last["builtin"] = False
                    last["assumed"].discard("module")
                    last["modules_shown"] = True
                    continue
                flat = GROUP_FLAT.match(text)
                this_group = group
                if flat:
                    this_group, text = int(flat.group(1)), flat.group(2)
                match = DEVICE_NN.match(text) or DEVICE_VN.match(text)
                from_names = False
                if match:
                    klass = match.group("class").lower() + "00"
                    vendor_device = match.group("id").lower()
                    name = match.groupdict().get("name")
                else:
                    # Plain lspci / -v (no -nn): only names; pci.ids turns them into ids.
                    match = DEVICE_NAMED.match(text) if raw[:1] not in (" ", "\t") else None
                    if not match:
                        continue
                    names = names if names is not None else (load_pci_ids() or False)
                    resolved = by_name(names or None, match.group("classname"), match.group("rest"))
                    if resolved is None:
                        continue
                    vendor_device, klass = resolved
                    name, from_names = match.group("rest"), True
                address = (match.group("domain") or "0000").lower() + ":" + match.group("bdf").lower()
                if address in devices:
                    device = devices[address]
                    if this_group is not None:
                        if device["group"] is None:
                            device["group"] = this_group
                        elif device["group"] != this_group:
                            later_groups[address] = this_group
                    if name and not device.get("name"):
                        device["name"] = name
                    last = device
                    continue
                driver, module, builtin = default_driver(vendor_device[:4], klass)
                device = {"bdf": address, "id": vendor_device, "class": klass, "group": this_group,
                          "numa": 0, "host_driver": driver, "module": module, "builtin": builtin, "name": name,
                          "assumed": {"host_driver", "module", "numa"} | ({"id"} if from_names else set())}
                devices[address] = device
                order.append(address)
                last = device
    listed = [devices[a] for a in order]
    for device in listed:
        if device.pop("verbose", False) and "numa" in device["assumed"]:
            device["numa"] = -1
            device["assumed"].discard("numa")
        # lspci -k / -v print 'Kernel modules:' for a driver that is a loadable module: a driver
        # in use with no such line is built into the kernel (08's xhci_hcd, every pcieport).
        if device.pop("driver_shown", False) and not device.pop("modules_shown", False):
            device["builtin"] = True
            device["assumed"].discard("module")
        device.pop("modules_shown", None)
    grouped = any(d["group"] is not None for d in listed)
    # Where the dump has a group listing, a device seen only outside it (an excerpt from another
    # boot or slot, a chunk cut short) is not part of this machine's map.
    ignored = [d["bdf"] for d in listed if grouped and d["group"] is None]
    kept = [d for d in listed if not (grouped and d["group"] is None)]
    parents = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            parents.update(parse_tree(handle))
    # Each device's parent; the bridges above it that the dump lists in the tree only (no ids)
    # are kept apart, as path components of /sys/devices.
    bridges = {}
    for device in kept:
        parent = parents.get(device["bdf"])
        if parent:
            device["parent"] = parent
        while parent and parent not in devices and parent not in bridges:
            bridges[parent] = parents.get(parent)
            parent = bridges[parent]
    return kept, ignored, later_groups, cmdline, grub, modprobe, sources, boot_loader, (bool(parents), bridges)


def main(paths):
    if not paths:
        print("usage: twin.sh DUMP [DUMP...] > profile.json", file=sys.stderr)
        return 2
    for path in paths:
        if not os.path.isfile(path):
            print(f"twin: {path}: no such file", file=sys.stderr)
            return 1
    devices, ignored, later_groups, cmdline, grub, modprobe, sources, boot_loader, (tree, bridges) = parse(paths)
    if not devices:
        print(f"twin: no PCI device found in {', '.join(paths)}: expected lspci -nn/-nnk/-vn lines "
              "or an IOMMU group listing ('IOMMU Group N ...')", file=sys.stderr)
        return 1
    assumed = []
    host_bridges = [d for d in devices if d["class"].startswith("0600")]
    cpu_from_lscpu = None
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            found = re.search(r"^\s*Vendor ID:\s+(AuthenticAMD|GenuineIntel)\s*$", handle.read(), re.M)
            cpu_from_lscpu = cpu_from_lscpu or (found and {"AuthenticAMD": "amd", "GenuineIntel": "intel"}[found.group(1)])
    vendor = host_bridges[0]["id"][:4] if host_bridges else None
    cpu_vendor = {"8086": "intel", "1022": "amd"}.get(vendor)
    if cpu_from_lscpu:
        cpu_vendor = cpu_from_lscpu
    elif cpu_vendor is None:
        cpu_vendor = "intel"
        assumed.append("cpu_vendor: intel (no host bridge of a known CPU vendor in the dump)")
    elif not cpu_from_lscpu:
        assumed.append(f"cpu_vendor: {cpu_vendor} (from the host bridge's vendor {vendor})")
    assumed.append("iommu_in_firmware: true (the dump cannot show the firmware setting)")
    # An Intel machine that listed IOMMU groups without intel_iommu=on on the command line it
    # shows (or with none shown) ran a kernel that turns VT-d on by default (Debian's, Fedora's).
    shown = " ".join([cmdline or ""] + list(grub.values()))
    iommu_default_on = (cpu_vendor == "intel" and any(d["group"] is not None for d in devices)
                        and "intel_iommu=on" not in shown)
    if iommu_default_on:
        assumed.append("iommu_default_on: true (IOMMU groups listed with no intel_iommu=on on the command line the dump shows)")
    # numactl --hardware ('node N cpus: ...', 'node N size: M MB') or lscpu ('NUMA node0 CPU(s): 0-23').
    sizes, cpus = {}, {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = clean(line).strip()
                match = re.match(r"^node (\d+) size:\s*(\d+) MB$", line)
                if match:
                    sizes.setdefault(int(match.group(1)), int(match.group(2)))
                match = re.match(r"^node (\d+) cpus:((?:\s+\d+)+)$", line)
                if match:
                    cpus.setdefault(int(match.group(1)), len(match.group(2).split()))
                match = re.match(r"^NUMA node(\d+) CPU\(s\):\s*(\S+)$", line)
                if match:
                    cpus.setdefault(int(match.group(1)), sum(int(b) - int(a) + 1 for a, _, b in (r.partition("-") if "-" in r else (r, "", r) for r in match.group(2).split(","))))
    memory = [max(1, sizes[n] // 1024) for n in sorted(sizes)] if sizes else [64]
    if not sizes:
        assumed.append("memory_gib_per_node: [64] (no memory in the dump)")
    cpus_per_node = max(cpus.values()) if cpus else 16
    if not cpus:
        assumed.append("cpus_per_node: 16")
    for device in devices:
        for field in sorted(device.pop("assumed")):
            if field == "host_driver":
                how = "built in" if device["builtin"] else f"module {device['module']}"
                assumed.append(f"{device['bdf']} host_driver: {device['host_driver']}, {how} (default for class {device['class'][:4]})")
            elif field == "id":
                assumed.append(f"{device['bdf']} id: {device['id']} (the dump names it only; pci.ids gave the id)")
        if device["group"] is None:
            device.pop("group")
    if not any("group" in d for d in devices):
        # No group listing at all (the IOMMU was off when the owner dumped it): one group per
        # slot, the best case a kernel with the IOMMU on can give.
        slots = sorted({d["bdf"][:-2] for d in devices})
        for device in devices:
            device["group"] = slots.index(device["bdf"][:-2])
        assumed.append("group: one IOMMU group per slot (the dump shows no group listing)")
    elif any("group" not in d for d in devices):
        assumed.append("devices without a group in the dump are in no IOMMU group")
    if not tree:
        assumed.append("parent: none (no lspci -tv tree in the dump): each device on a root bus of its own number")
    assumed.append("numa: 0 for every device whose NUMA node the dump does not show (a verbose lspci block without 'NUMA node:' is -1)")
    profile = {
        "description": "lab twin of " + ", ".join(sources),
        "sources": sources,
        "cpu_vendor": cpu_vendor,
        "iommu_in_firmware": True,
        "memory_gib_per_node": memory,
        "cpus_per_node": cpus_per_node,
        **({"iommu_default_on": True} if iommu_default_on else {}),
        "devices": devices,
        "assumed": assumed,
    }
    # What the dump showed beyond the devices, only where it showed it.
    for key, value in (("cmdline", cmdline), ("grub", grub), ("modprobe", modprobe),
                       ("groups_after_acs_override", later_groups), ("boot_loader", boot_loader), ("ignored", ignored),
                       ("bridges", dict(sorted(bridges.items())))):
        if value:
            profile[key] = value
    json.dump(profile, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
