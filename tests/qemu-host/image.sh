#!/usr/bin/env bash
# The real-kernel lab host's disk image (docs/lab.md "Real-kernel host"): Debian 12 with its own
# kernel, initramfs and BIOS GRUB inside, so a kernel argument or initramfs that `provision apply`
# changes takes effect when the emulated machine reboots.
#
#   image.sh build    build the image unless the cache has it; prints the cache entry's directory
#   image.sh path     prints the cache entry's directory (exit 1 when it is not built)
#
# The cache entry is named after this file's own hash: change the recipe and the next build makes
# a new entry. It holds disk.qcow2 (never written to: each test boots a throw-away overlay), the
# admin key pair root logs in with (admin_ed25519) and the host's public key (host_ed25519.pub),
# so known_hosts can be strict. Build: ~7 minutes, ~1.2 GiB.
#
# Traps this recipe avoids (each cost an afternoon): `losetup -P` makes no partitions in this
# sandbox, `partx -a` does; grub-probe needs a private /dev with disk/by-uuid to write root=UUID=;
# Debian's initramfs MODULES=most makes update-initramfs take 20+ minutes under TCG (MODULES=dep);
# Debian's kernel turns the Intel IOMMU on by default, so the image says intel_iommu=off: IOMMU
# groups appearing after apply then proves our kernel arguments did it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PROVISION_QEMU_CACHE:-/var/cache/provision-lab/qemu-host}
entry="$cache/$(sha256sum <"$here/image.sh" | cut -c1-16)"
mirror=${PROVISION_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The host's packages: the kernel and its boot chain, what provision's fact probe and triggers use,
# and everything the Debian OS profile installs (so apply's package step has nothing to fetch:
# the emulated host has no route to a mirror in the tests).
packages=(
  linux-image-amd64 grub-pc openssh-server sudo systemd-sysv udev dbus kmod pciutils iproute2 zstd curl
  qemu-system-x86 libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients ovmf genisoimage qemu-utils
  bridge-utils ifenslave ifupdown
)

case "${1:-}" in
  path)
    [ -f "$entry/disk.qcow2" ] || { echo "qemu-host: no image at $entry: run $0 build" >&2; exit 1; }
    echo "$entry"
    exit 0
    ;;
  build) ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac

if [ -f "$entry/disk.qcow2" ]; then
  echo "$entry"
  exit 0
fi

for tool in debootstrap sfdisk partx mkfs.ext4 blkid qemu-img losetup; do
  command -v "$tool" >/dev/null || { echo "qemu-host: $tool is missing (apt-get install debootstrap fdisk util-linux e2fsprogs qemu-utils)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "qemu-host: building the image needs root (loop devices, mounts, chroot)" >&2; exit 1; }

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
root="$work/root"
loop=""
cleanup() {
  set +e
  for m in dev/pts dev sys proc ""; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
  done
  if [ -n "$loop" ]; then
    partx -d "$loop" 2>/dev/null
    losetup -d "$loop"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "qemu-host: $*" >&2; }

log "building the image in $work"
truncate -s 3G "$work/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/disk.raw"
loop=$(losetup -f --show "$work/disk.raw")
partx -a "$loop"
part="${loop}p1"
for _ in 1 2 3 4 5; do [ -b "$part" ] && break; sleep 1; done
[ -b "$part" ] || { log "$part did not appear after partx -a"; exit 1; }
mkfs.ext4 -q -L qemu-host "$part"
uuid=$(blkid -s UUID -o value "$part")
mkdir -p "$root"
mount "$part" "$root"

log "debootstrap (minbase) from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

# A private /dev: the loop devices, and disk/by-uuid so grub-mkconfig writes root=UUID=.
mountpoint -q "$root/dev" && umount -l "$root/dev"
mount -t tmpfs -o mode=755 devfs "$root/dev"
for node in "null c 1 3" "zero c 1 5" "random c 1 8" "urandom c 1 9" "tty c 5 0" "full c 1 7"; do
  set -- $node
  mknod -m 666 "$root/dev/$1" "$2" "$3" "$4"
done
for dev in "$loop" "$part"; do
  name=$(basename "$dev")
  IFS=: read -r major minor <"/sys/class/block/$name/dev"
  mknod -m 660 "$root/dev/$name" b "$major" "$minor"
done
mkdir -p "$root/dev/disk/by-uuid" "$root/dev/pts"
ln -s "../../$(basename "$part")" "$root/dev/disk/by-uuid/$uuid"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/sys" || mount --bind /sys "$root/sys"

# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# The build's initramfs holds exactly what boots this disk; once built, the image says MODULES=dep
# so the host's own update-initramfs (provision's trigger) stays quick under emulation.
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo "MODULES=list" >"$root/etc/initramfs-tools/conf.d/provision-lab.conf"

in_root() { chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
log "installing ${#packages[@]} packages"
in_root apt-get update -q >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
in_root apt-get install -y -q --no-install-recommends initramfs-tools >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
printf '%s\n' virtio_pci virtio_blk virtio_net ext4 >>"$root/etc/initramfs-tools/modules"
in_root apt-get install -y -q --no-install-recommends "${packages[@]}" >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
in_root apt-get clean

log "configuring"
echo "qemu-host" >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 qemu-host\n' >"$root/etc/hosts"
printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$uuid" >"$root/etc/fstab"
echo "MODULES=dep" >"$root/etc/initramfs-tools/conf.d/provision-lab.conf"
# The NIC the tests reach (fixed MAC, host.sh gives it) by DHCP from QEMU's user network; br0 is
# the (uplink-less) bridge the worker VMs attach to, as on a GPU server.
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nMACAddress=52:54:00:12:34:56\n\n[Network]\nDHCP=ipv4\n' >"$root/etc/systemd/network/10-lab.network"
printf '[NetDev]\nName=br0\nKind=bridge\n' >"$root/etc/systemd/network/20-br0.netdev"
printf '[Match]\nName=br0\n\n[Network]\nConfigureWithoutCarrier=yes\nLinkLocalAddressing=no\n' >"$root/etc/systemd/network/20-br0.network"
in_root systemctl enable systemd-networkd >/dev/null 2>&1
in_root systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true
# Key-only root login with a key pair made for this image.
ssh-keygen -q -t ed25519 -N "" -C "provision qemu-host admin" -f "$work/admin_ed25519"
install -d -m 700 "$root/root/.ssh"
install -m 600 "$work/admin_ed25519.pub" "$root/root/.ssh/authorized_keys"
printf 'PasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' >"$root/etc/ssh/sshd_config.d/provision-lab.conf"
rm -f "$root"/etc/ssh/ssh_host_*
in_root ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key
cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$work/host_ed25519.pub"
# The serial console carries the boot log (console.log beside each test's overlay).
cat >"$root/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=ttyS0,115200 intel_iommu=off"
GRUB_TERMINAL=console
EOF

log "initramfs and GRUB"
in_root update-initramfs -u -k all >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
in_root grub-install --target=i386-pc "$loop" >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
in_root update-grub >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
grep -q "root=UUID=$uuid" "$root/boot/grub/grub.cfg" || { log "grub.cfg has no root=UUID=$uuid"; exit 1; }
rm -f "$root/usr/sbin/policy-rc.d"

for m in dev/pts dev sys proc; do umount -l "$root/$m"; done
umount "$root"
partx -d "$loop"
losetup -d "$loop"
loop=""
qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
rm -f "$work/disk.raw"
rm -rf "$root"
chmod 600 "$work/admin_ed25519"
chmod 755 "$work"
mv "$work" "$entry"
trap - EXIT
log "built $entry ($(du -sh "$entry/disk.qcow2" | cut -f1))"
echo "$entry"
