#!/usr/bin/env bash
# PID 1 of one lab host (run by host-supervisor.sh inside fresh PID/mount/UTS/IPC namespaces).
# Builds the host's root from the shared base and its own disk, emulates what a boot provides
# (a new boot_id, /proc/cmdline from the host's GRUB config), then becomes sshd.
set -euo pipefail
host=$1 address=$2 dir=$3 base=$4 keys=$5
root=$dir/merged

mount --make-rprivate /
# The previous boot's namespace may still be letting go of the overlay (its workdir is busy for
# a moment after its last process died): retry briefly instead of failing the boot.
for attempt in $(seq 1 100); do
  if mount -t overlay overlay -o "lowerdir=$base,upperdir=$dir/upper,workdir=$dir/work" "$root" 2>/dev/null; then break; fi
  [ "$attempt" -lt 100 ] || { echo "host-init: cannot mount the overlay for $host" >&2; exit 1; }
  sleep 0.1
done

# The kernel is shared with the real machine: a host may read /proc/sys and /sys, never change them.
mount -t proc proc "$root/proc"
mount --bind "$root/proc/sys" "$root/proc/sys" && mount -o remount,bind,ro "$root/proc/sys"

mount -t tmpfs -o mode=755,size=4m tmpfs "$root/dev"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name major minor <<<"$node"
  mknod -m 666 "$root/dev/$name" c "$major" "$minor"
done
mkdir -p "$root/dev/pts" && mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
ln -sf pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=755 tmpfs "$root/run" && mkdir -p "$root/run/sshd"
# A host made with 'libvirt' (lab.sh up ... libvirt) reaches the machine's libvirtd through its
# own /run/libvirt: the daemon is real, only its socket is shared (docs/lab.md).
# Its disks, seeds and nvram live where that daemon looks: the machine's /var/lib/libvirt.
if [ -f "$dir/libvirt" ] && [ -d /run/libvirt ]; then
  mkdir -p "$root/run/libvirt" && mount --bind /run/libvirt "$root/run/libvirt"
  mkdir -p /var/lib/libvirt && mount --bind /var/lib/libvirt "$root/var/lib/libvirt"
fi
hostname "$host"
grep -q "[[:space:]]$host\$" "$root/etc/hosts" || printf '127.0.1.1\t%s\n' "$host" >> "$root/etc/hosts"

# Boot emulation: every start is a boot with a new boot_id; /proc/cmdline is what GRUB would pass.
state=$root/var/lib/lab
mkdir -p "$state"
rm -f "$state/reboot-requested"
cat /proc/sys/kernel/random/uuid > "$state/boot_id"
mount --bind "$state/boot_id" "$root/proc/sys/kernel/random/boot_id"
# A twin's first boot: the owner's GRUB lines (a profile's "grub") are on its disk, and GRUB was
# generated from them, as on the machine the dump came from. Later boots read what apply left.
profile="$(dirname "$0")/profiles/$(cat "$dir/profile").json"
[ -f "$dir/profile.json" ] && profile="$dir/profile.json"  # a profile given by path (a twin)
if [ ! -f "$state/seeded" ]; then
  /usr/bin/python3 - "$profile" "$root" <<'SEED'
import json, os, sys
profile, root = json.load(open(sys.argv[1])), sys.argv[2]
grub = profile.get("grub")
if grub:
    path = os.path.join(root, "etc/default/grub")
    lines = [l for l in open(path).read().splitlines() if not l.startswith(tuple(k + "=" for k in grub))] if os.path.exists(path) else []
    lines += [f'{key}="{value}"' for key, value in grub.items()]
    open(path, "w").write("\n".join(lines) + "\n")
    args = " ".join(["root=/dev/vda1", "ro", grub.get("GRUB_CMDLINE_LINUX", ""), grub.get("GRUB_CMDLINE_LINUX_DEFAULT", "")]).split()
    for cfg in ("boot/grub/grub.cfg", "boot/grub2/grub.cfg"):
        if os.path.isdir(os.path.join(root, os.path.dirname(cfg))) or cfg == "boot/grub/grub.cfg":
            os.makedirs(os.path.join(root, os.path.dirname(cfg)), exist_ok=True)
            open(os.path.join(root, cfg), "w").write("menuentry 'Linux' {\n  linux /boot/vmlinuz %s\n}\n" % " ".join(args))
SEED
  : > "$state/seeded"
fi
# Tools a host has no real kernel or bootloader for: stubs that write what the real ones would
# (grub.cfg, an initramfs manifest) and log each run to /var/lib/lab/markers.log.
stubs=$(dirname "$0")/stubs
for pair in reboot:/usr/sbin/reboot shutdown:/usr/sbin/shutdown systemctl:/usr/bin/systemctl \
            grub-mkconfig:/usr/sbin/grub-mkconfig grub-mkconfig:/usr/sbin/grub2-mkconfig grub-mkconfig:/usr/sbin/update-grub \
            grubby:/usr/sbin/grubby initramfs:/usr/sbin/dracut initramfs:/usr/sbin/update-initramfs \
            lsinitramfs:/usr/bin/lsinitramfs lsinitramfs:/usr/bin/lsinitrd; do
  install -D -m 755 "$stubs/${pair%%:*}" "$root${pair#*:}"
done
touch "$state/markers.log"

# EL-flavoured hosts (lab.sh up N PROFILE OS): EL's os-release, rpm/dnf/yum stubs instead of
# dpkg, and EL's boot layout (/boot/grub2, BLS entries on 8/9). The tools apply runs there
# (grubby, grub2-mkconfig, dracut, dnf/yum) are the stubs above.
flavor=$(cat "$dir/os" 2>/dev/null || echo debian)
el_release() { printf 'NAME="%s"\nVERSION="%s"\nID="%s"\nID_LIKE="rhel centos fedora"\nVERSION_ID="%s"\nPRETTY_NAME="%s %s"\n' "$1" "$2" "$3" "$2" "$1" "$2"; }
case "$flavor" in
  debian) ;;
  rocky9|centos7)
    rm -f "$root/etc/os-release"
    if [ "$flavor" = rocky9 ]; then el_release "Rocky Linux" 9.4 rocky > "$root/etc/os-release"; mkdir -p "$root/boot/loader/entries"
    else el_release "CentOS Linux" 7 centos > "$root/etc/os-release"; fi
    rm -f "$root/usr/bin/dpkg-query" "$root/usr/bin/dpkg"
    for tool in rpm dnf yum; do install -D -m 755 "$stubs/rpm-dnf" "$root/usr/bin/$tool"; done
    install -D -m 755 "$stubs/qemu-kvm" "$root/usr/lib/lab/qemu-kvm"
    # A stock CentOS 7 virtualization host has the distribution's qemu-kvm (1.5.3) already.
    if [ "$flavor" = centos7 ]; then
      rm -f "$root/usr/bin/dnf"
      mkdir -p "$root/var/lib/lab"
      grep -qxF qemu-kvm "$root/var/lib/lab/rpmdb" 2>/dev/null || echo qemu-kvm >> "$root/var/lib/lab/rpmdb"
      [ -x "$root/usr/libexec/qemu-kvm" ] || install -D -m 755 "$stubs/qemu-kvm" "$root/usr/libexec/qemu-kvm"
    fi
    mkdir -p "$root/boot/grub2" ;;
  # OS families Provisioner refuses, as the twins of 07 and 10 run them: Fedora (rpm, dnf, GRUB 2
  # with BLS entries) and Arch booting with systemd-boot (its loader entries, no GRUB at all).
  fedora)
    rm -f "$root/etc/os-release" "$root/usr/bin/dpkg-query" "$root/usr/bin/dpkg"
    printf 'NAME="Fedora Linux"\nVERSION="38 (Workstation Edition)"\nID=fedora\nVERSION_ID=38\nPRETTY_NAME="Fedora Linux 38 (Workstation Edition)"\n' > "$root/etc/os-release"
    for tool in rpm dnf; do install -D -m 755 "$stubs/rpm-dnf" "$root/usr/bin/$tool"; done
    mkdir -p "$root/boot/grub2" "$root/boot/loader/entries" ;;
  arch)
    rm -f "$root/etc/os-release" "$root/usr/bin/dpkg-query" "$root/usr/bin/dpkg"
    printf 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n' > "$root/etc/os-release"
    rm -f "$root/usr/sbin/grubby" "$root/usr/sbin/grub-mkconfig" "$root/usr/sbin/grub2-mkconfig" "$root/usr/sbin/update-grub"
    if [ ! -f "$root/boot/loader/loader.conf" ]; then
      rm -rf "$root/boot/grub"
      mkdir -p "$root/boot/loader/entries"
      printf 'default arch.conf\ntimeout 3\n' > "$root/boot/loader/loader.conf"
      options=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("cmdline", "root=/dev/vda1 rw"))' "$profile")
      printf 'title Arch Linux\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\noptions %s\n' "${options#BOOT_IMAGE=* }" > "$root/boot/loader/entries/arch.conf"
    fi ;;
  *) echo "host-init: unknown OS flavour $flavor" >&2; exit 1 ;;
esac
cmdline="BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro"
for cfg in "$root/boot/grub/grub.cfg" "$root/boot/grub2/grub.cfg"; do
  if [ -f "$cfg" ]; then
    line=$(grep -m1 -E '^\s*linux(16|efi)?\s' "$cfg" | sed -E 's/^\s*linux(16|efi)?\s+//')
    [ -n "$line" ] && cmdline="BOOT_IMAGE=$(echo $line)"
  fi
done
# systemd-boot passes its entry's options line.
if [ -f "$root/boot/loader/loader.conf" ] && [ -f "$root/boot/loader/entries/arch.conf" ]; then
  cmdline="initrd=\\initramfs-linux.img $(sed -n 's/^options //p' "$root/boot/loader/entries/arch.conf")"
fi
echo "$cmdline" > "$state/cmdline"
mount --bind "$state/cmdline" "$root/proc/cmdline"

# systemd would start the enabled units at boot: the systemctl stub reads them as active.
mkdir -p "$root/run/lab/units"
for link in "$root"/etc/systemd/system/*.wants/*.service; do [ -L "$link" ] && : > "$root/run/lab/units/${link##*/}"; done

# The hardware: a fake sysfs from the host's profile, devices bound as this boot's kernel would.
mount -t tmpfs -o mode=755 tmpfs "$root/sys"
/usr/bin/python3 "$(dirname "$0")/boot.py" "$root" "$profile" "$cmdline"
mount -o remount,ro "$root/sys"
# The CPU (vendor, virtualization flag) and interrupt remapping as this host's kernel shows them.
mount --bind "$state/cpuinfo" "$root/proc/cpuinfo"
mount --bind "$state/interrupts" "$root/proc/interrupts"

install -m 600 "$keys/$host/ssh_host_ed25519_key" "$root/etc/ssh/ssh_host_ed25519_key"
install -m 644 "$keys/$host/ssh_host_ed25519_key.pub" "$root/etc/ssh/ssh_host_ed25519_key.pub"
mkdir -p -m 700 "$root/root/.ssh"
install -m 600 "$keys/admin_ed25519.pub" "$root/root/.ssh/authorized_keys"
if [ -d "$root/home/deploy" ]; then
  install -d -m 700 -o "$(stat -c %u "$root/home/deploy")" -g "$(stat -c %g "$root/home/deploy")" "$root/home/deploy/.ssh"
  install -m 600 -o "$(stat -c %u "$root/home/deploy")" -g "$(stat -c %g "$root/home/deploy")" "$keys/admin_ed25519.pub" "$root/home/deploy/.ssh/authorized_keys"
fi

# Drop what could touch the real machine, then become sshd (still PID 1).
exec capsh --drop=cap_sys_module,cap_sys_boot,cap_sys_time,cap_sys_admin,cap_net_admin,cap_net_raw -- \
  -c "exec chroot '$root' /usr/sbin/sshd -D -e -o ListenAddress=$address -h /etc/ssh/ssh_host_ed25519_key"
