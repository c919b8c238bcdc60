#!/usr/bin/env bash
# The worker VMs' base image for the end-to-end farm test (docs/lab.md "Farm end to end"): Debian 12
# as a cloud image is, UEFI-bootable, with cloud-init (NoCloud), qemu-guest-agent, nfs-common and
# Debian's Blender already installed, so the rendered first boot runs for real with no mirror:
# the image has no apt sources, so cloud-init's `apt-get update` has nothing to fetch and its
# `apt-get install` of the payload's packages finds them installed, as on an air-gapped site's
# golden image.
#
#   image.sh build    build the image unless the cache has it; prints the cache entry's directory
#   image.sh path     prints the cache entry's directory (exit 1 when it is not built)
#
# The cache entry is named after this file's hash. It holds guest.qcow2 (what the test serves to
# apply as vm.image) and guest.qcow2.sha256. Build: ~6 minutes, ~0.9 GiB.
#
# Boot chain: GPT with an EFI system partition holding one standalone GRUB (BOOTX64.EFI on the
# removable-media path, which OVMF tries on any disk with an empty NVRAM) whose embedded config
# finds the root file system by label; no grub-probe, no NVRAM entry. The ESP is written with
# mtools, never mounted (this sandbox's kernel has no vfat). The initramfs holds exactly
# the virtio drivers (MODULES=list): Debian's default (most) takes minutes under TCG.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PROVISION_GUEST_CACHE:-/var/cache/provision-lab/guest}
entry="$cache/$(sha256sum <"$here/image.sh" | cut -c1-16)"
mirror=${PROVISION_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# What the worker payload's cloud-config asks for (qemu-guest-agent curl xz-utils, nfs-common for
# farm.storage, blender for worker.blender: system), what cloud-init itself uses here (gdisk:
# disk_setup's gpt table; ifupdown: its network renderer on Debian 12; locales: its locale module
# sets en_US.UTF-8), and the boot chain. The full kernel, not linux-image-cloud-amd64: the seed
# ISO is a SATA CD-ROM (ahci, sr_mod, isofs), which the cloud kernel cannot read, and cloud-init
# then falls back to no datasource at all.
packages=(
  linux-image-amd64 grub-efi-amd64-bin systemd-sysv udev dbus kmod iproute2 ifupdown locales
  cloud-init qemu-guest-agent openssh-server sudo gdisk
  curl xz-utils nfs-common blender
)

case "${1:-}" in
  path)
    [ -f "$entry/guest.qcow2" ] || { echo "guest: no image at $entry: run $0 build" >&2; exit 1; }
    echo "$entry"
    exit 0
    ;;
  build) ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac

if [ -f "$entry/guest.qcow2" ]; then
  echo "$entry"
  exit 0
fi

for tool in debootstrap sfdisk partx mkfs.ext4 mkfs.vfat mcopy qemu-img losetup; do
  command -v "$tool" >/dev/null || { echo "guest: $tool is missing (apt-get install debootstrap fdisk util-linux e2fsprogs dosfstools mtools qemu-utils)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "guest: building the image needs root (loop devices, mounts, chroot)" >&2; exit 1; }

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
log() { echo "guest: $*" >&2; }
fail_with_log() { tail -n 20 "$1" >&2; exit 1; }

log "building the image in $work"
truncate -s 4G "$work/disk.raw"
printf 'label: gpt\nsize=64MiB, type=uefi\ntype=linux\n' | sfdisk -q "$work/disk.raw"
loop=$(losetup -f --show "$work/disk.raw")
partx -a "$loop"
for _ in 1 2 3 4 5; do [ -b "${loop}p2" ] && break; sleep 1; done
[ -b "${loop}p2" ] || { log "${loop}p2 did not appear after partx -a"; exit 1; }
mkfs.ext4 -q -L guestroot "${loop}p2"
mkdir -p "$root"
mount "${loop}p2" "$root"

log "debootstrap (minbase) from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || fail_with_log "$work/debootstrap.log"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/sys" || mount --bind /sys "$root/sys"
mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
mountpoint -q "$root/dev/pts" || mount --bind /dev/pts "$root/dev/pts"
# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo "MODULES=list" >"$root/etc/initramfs-tools/conf.d/provision-guest.conf"

in_root() { chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
log "installing ${#packages[@]} packages"
in_root apt-get update -q >"$work/apt.log" 2>&1 || fail_with_log "$work/apt.log"
in_root apt-get install -y -q --no-install-recommends initramfs-tools >>"$work/apt.log" 2>&1 || fail_with_log "$work/apt.log"
printf '%s\n' virtio_pci virtio_blk virtio_net virtio_scsi ext4 >>"$root/etc/initramfs-tools/modules"
in_root apt-get install -y -q --no-install-recommends "${packages[@]}" >>"$work/apt.log" 2>&1 || fail_with_log "$work/apt.log"
in_root apt-get clean
# The locale cloud-init's locale module sets (as on Debian's own cloud images).
echo "en_US.UTF-8 UTF-8" >"$root/etc/locale.gen"
in_root locale-gen >>"$work/apt.log" 2>&1 || fail_with_log "$work/apt.log"
# No sources: the first boot's apt-get update succeeds with nothing to fetch (the guest has no
# route to a mirror), and the payload's packages are all installed already.
: >"$root/etc/apt/sources.list"
rm -rf "$root/var/lib/apt/lists/"*

log "configuring"
echo "debian" >"$root/etc/hostname"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
printf 'LABEL=guestroot / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
# cloud-init reads the seed ISO (NoCloud) only: probing cloud metadata services costs minutes
# under TCG and would send traffic off the machine.
printf 'datasource_list: [NoCloud, None]\n' >"$root/etc/cloud/cloud.cfg.d/90-provision-guest.cfg"
# Boot as fast as TCG allows: nothing waits on a network that never gets a DHCP answer.
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
  systemd-networkd-wait-online.service >/dev/null 2>&1 || true
rm -f "$root"/etc/ssh/ssh_host_*
# A machine-id made at first boot, as cloud images do: each VM is its own machine.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

log "initramfs and GRUB"
in_root update-initramfs -u -k all >>"$work/apt.log" 2>&1 || fail_with_log "$work/apt.log"
cat >"$work/grub.cfg" <<'EOF'
set timeout=0
search --no-floppy --label --set=root guestroot
linux /vmlinuz root=LABEL=guestroot ro console=ttyS0,115200 net.ifnames=0
initrd /initrd.img
boot
EOF
cp "$work/grub.cfg" "$root/tmp/grub.cfg"
[ -e "$root/vmlinuz" ] && [ -e "$root/initrd.img" ] || { log "the image has no /vmlinuz or /initrd.img link"; exit 1; }
in_root grub-mkstandalone -O x86_64-efi -o /tmp/BOOTX64.EFI \
  --modules="part_gpt ext2 search_label linux normal" "boot/grub/grub.cfg=/tmp/grub.cfg" >>"$work/apt.log" 2>&1 \
  || fail_with_log "$work/apt.log"
# mtools on a file (on the partition's block device it asks for a geometry the loop device lacks).
mkfs.vfat -F 32 -n ESP -C "$work/esp.img" 65536 >/dev/null
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$root/tmp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
dd if="$work/esp.img" of="${loop}p1" bs=1M conv=fsync status=none
rm -f "$root/tmp/grub.cfg" "$root/tmp/BOOTX64.EFI" "$root/usr/sbin/policy-rc.d"
in_root blender -b --factory-startup --version >"$work/blender.version" 2>&1 || { tail -n 20 "$work/blender.version" >&2; log "blender does not start in the image"; exit 1; }

for m in dev/pts dev sys proc; do umount -l "$root/$m"; done
umount "$root"
partx -d "$loop"
losetup -d "$loop"
loop=""
qemu-img convert -c -O qcow2 "$work/disk.raw" "$work/guest.qcow2"
(cd "$work" && sha256sum guest.qcow2 | cut -d' ' -f1 >guest.qcow2.sha256)
rm -f "$work/disk.raw" "$work/esp.img"
rm -rf "$root"
chmod 755 "$work"
mv "$work" "$entry"
trap - EXIT
# Images of earlier recipes are never used again (~1 GiB each).
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name .build.\* ! -path "$entry" -exec rm -rf {} +
log "built $entry ($(du -sh "$entry/guest.qcow2" | cut -f1), $(head -n 1 "$entry/blender.version"))"
echo "$entry"
