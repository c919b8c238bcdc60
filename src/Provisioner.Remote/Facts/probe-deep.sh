# check and discover only (ProbeScope.Deep), put in at the DEEP mark of probe.sh: the initramfs's
# vfio entries (and the early rebind script), lspci's names, NICs.
printf 'deep\tok\n'
for i in "/boot/initrd.img-$k" "/boot/initramfs-$k.img"; do
  [ -f "$i" ] || continue
  if command -v lsinitramfs >/dev/null; then lsinitramfs "$i"; elif command -v lsinitrd >/dev/null; then lsinitrd "$i"; else continue; fi |
    grep -o -E '[^ ]*(/vfio[-_]pci\.ko(\.[a-z0-9]+)?|modprobe\.d/[^ /]+\.conf|provision-vfio-bind(\.sh)?)$' | while IFS= read -r e; do printf 'initramfs_entry\t%s\t%s\n' "$i" "$e"; done
  printf 'initramfs_listed\t%s\n' "$i"
done
grep -q -E 'vfio[-_]pci\.ko' "/lib/modules/$k/modules.builtin" && printf 'vfio_builtin\t1\n'
# The QEMU libvirt runs (EL's qemu-kvm, elsewhere qemu-system-x86_64): its version and machine
# types (stock CentOS 7's 1.5.3 has no q35, and no SMM for a secure-boot OVMF).
for q in /usr/libexec/qemu-kvm /usr/bin/qemu-system-x86_64 /usr/bin/qemu-kvm; do
  [ -x "$q" ] || continue
  printf 'qemu\t%s\t%s\n' "$q" "$("$q" --version | head -n 1)"
  "$q" -machine help | sed -n '2,$s/^\([^ ]*\) .*/\1/p' | while IFS= read -r m; do printf 'qemu_machine\t%s\n' "$m"; done
  break
done
command -v lspci >/dev/null && lspci -Dmm | while IFS= read -r l; do printf 'pciname\t%s\n' "$l"; done
# Where each device sits in the bus hierarchy: its /sys/devices path (root complex, ports, switches).
LC_ALL=C ls -l /sys/bus/pci/devices/ | while read -r _ _ _ _ _ _ _ _ name _ target; do [ -n "$target" ] && printf 'pcipath\t%s\t%s\n' "$name" "${target#../../../}"; done
for n in /sys/class/net/*; do [ -r "$n/address" ] && { read -r a < "$n/address"; printf 'nic\t%s\t%s\n' "${n##*/}" "$a"; }; done
LC_ALL=C ls -l /sys/class/net/ | while read -r _ _ _ _ _ _ _ _ name _ target; do [ -n "$target" ] && printf 'niclink\t%s\t%s\n' "$name" "$target"; done
