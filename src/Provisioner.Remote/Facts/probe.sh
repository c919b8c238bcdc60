# The fact probe (Provisioner.Remote/Facts/FactProbe.cs fills the @NAME@ words, each already
# shell-quoted): ONE POSIX sh command that prints tab-separated records, read by
# Provisioner.Core/Facts/FactsParser.cs. Every record tag printed here must be one the parser
# knows (FactsParser.Tags), and the other way round: a test holds both files to that.
exec 2>/dev/null
read -r x < /proc/sys/kernel/hostname; printf 'hostname\t%s\n' "$x"
read -r k < /proc/sys/kernel/osrelease; printf 'kernel\t%s\n' "$k"
read -r b < /proc/sys/kernel/random/boot_id; printf 'boot_id\t%s\n' "$b"
read -r c < /proc/cmdline; printf 'cmdline\t%s\n' "$c"
if [ -r /etc/os-release ]; then while IFS= read -r l; do printf 'os\t%s\n' "$l"; done < /etc/os-release; fi
# Files: one sha256sum and one stat for all; content (small files) only where it differs.
for p in @PATHS@; do [ -f "$p" ] || printf 'file\t%s\t-\n' "$p"; done
set --; for p in @PATHS@; do [ -f "$p" ] && set -- "$@" "$p"; done
if [ $# -gt 0 ]; then
  stat --printf 'meta\t%n\t%a\t%U\t%G\t%Y\n' "$@"
  sha256sum "$@" | while read -r sum path; do
    printf 'sum\t%s\t%s\n' "$path" "$sum"
    case "$path $sum" in @KNOWN@) ;; *) printf 'content\t%s\t%s\n' "$path" "$(base64 -w0 "$path")" ;; esac
  done
fi
for d in /sys/bus/pci/devices/*; do
  [ -e "$d/vendor" ] || continue
  read -r v < "$d/vendor"; read -r dv < "$d/device"; read -r cl < "$d/class"
  n=-1; [ -r "$d/numa_node" ] && read -r n < "$d/numa_node"
  printf 'pci\t%s\t%s\t%s\t%s\t%s\n' "${d##*/}" "$v" "$dv" "$cl" "$n"
  # A display device's BARs (start, end): large-BAR GPUs need room in the guest's address space.
  case $cl in 0x03*) while read -r s e _; do [ "$s" = 0x0000000000000000 ] || printf 'bar\t%s\t%s\t%s\n' "${d##*/}" "$s" "$e"; done < "$d/resource" ;; esac
done
# Drivers and IOMMU groups are symlinks: one ls for all of them.
LC_ALL=C ls -l /sys/bus/pci/devices/*/driver /sys/bus/pci/devices/*/iommu_group 2>/dev/null |
  while read -r _ _ _ _ _ _ _ _ path _ target; do d=${path%/*}; printf 'pcilink\t%s\t%s\t%s\n' "${d##*/}" "${path##*/}" "${target##*/}"; done
# Each PCI driver's module (modprobe.d takes module names: driver nvidia-gpu is module
# i2c_nvidia_gpu); a module with no initstate is built into the kernel, where no softdep or
# blacklist can act. A driver with no module link at all is built in too (the parser knows).
LC_ALL=C ls -l /sys/bus/pci/drivers/*/module 2>/dev/null |
  while read -r _ _ _ _ _ _ _ _ path _ target; do
    d=${path%/module}; m=${target##*/}; b=1; [ -e "/sys/module/$m/initstate" ] && b=0
    printf 'pcidriver\t%s\t%s\t%s\n' "${d##*/}" "$m" "$b"
  done
for nd in /sys/devices/system/node/node[0-9]*; do
  [ -d "$nd" ] || continue
  mem=0
  while read -r _ _ key value _; do [ "$key" = "MemTotal:" ] && mem=$value; done < "$nd/meminfo"
  set -- 0 0 0 0
  h=$nd/hugepages
  [ -r "$h/hugepages-2048kB/nr_hugepages" ] && { read -r a < "$h/hugepages-2048kB/nr_hugepages"; read -r b < "$h/hugepages-2048kB/free_hugepages"; set -- "$a" "$b" "$3" "$4"; }
  [ -r "$h/hugepages-1048576kB/nr_hugepages" ] && { read -r a < "$h/hugepages-1048576kB/nr_hugepages"; read -r b < "$h/hugepages-1048576kB/free_hugepages"; set -- "$1" "$2" "$a" "$b"; }
  cpus=; [ -r "$nd/cpulist" ] && read -r cpus < "$nd/cpulist"
  printf 'node\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${nd##*node}" "$mem" "$1" "$2" "$3" "$4" "$cpus"
done
for m in @MODULES@; do [ -d "/sys/module/$m" ] && printf 'module\t%s\n' "$m"; done
for g in /boot/grub/grub.cfg /boot/grub2/grub.cfg /boot/efi/EFI/*/grub.cfg; do
  [ -f "$g" ] || continue
  l=$(sed -n -E '/^[[:space:]]*linux(16|efi)?[[:space:]]/{s/^[[:space:]]*linux(16|efi)?[[:space:]]+[^[:space:]]+[[:space:]]*//p;q}' "$g")
  printf 'boot\t%s\t%s\n' "$g" "$l"
done
# grubby manages BLS entries (EL8/9); elsewhere it is absent or not what boots.
if [ -d /boot/loader/entries ] && command -v grubby >/dev/null; then printf 'boot\tgrubby\t%s\n' "$(grubby --info=DEFAULT | sed -n 's/^args="\(.*\)"$/\1/p')"; fi
# systemd-boot (its loader.conf; EL's BLS entries alone are GRUB's): kernel arguments live in its entries.
for l in /boot/loader/loader.conf /efi/loader/loader.conf /boot/efi/loader/loader.conf; do [ -f "$l" ] && printf 'systemd_boot\t%s\n' "$l"; done
for i in "/boot/initrd.img-$k" "/boot/initramfs-$k.img"; do [ -f "$i" ] && printf 'initramfs\t%s\t%s\n' "$i" "$(stat -c %Y "$i")"; done
for p in @EXISTS@; do [ -e "$p" ] && printf 'exists\t%s\n' "$p"; done
for s in /var/run/libvirt/virtqemud-sock /var/run/libvirt/libvirt-sock; do [ -S "$s" ] && { printf 'libvirt\t%s\n' "$s"; break; }; done
# The firmware publishes DMAR (VT-d) or IVRS (AMD-Vi) only with the IOMMU enabled in its setup.
if [ -d /sys/firmware/acpi/tables ]; then
  t=none; [ -e /sys/firmware/acpi/tables/DMAR ] && t=DMAR; [ -e /sys/firmware/acpi/tables/IVRS ] && t=IVRS
  printf 'firmware_iommu\t%s\n' "$t"
fi
# One awk over /proc (never the shell's read builtin there: it reads byte by byte and
# each read of /proc/net/tcp walks the socket table again): the CPU's vendor, count,
# model and vmx/svm (hidden when the firmware has VT-x/AMD-V off); interrupt remapping
# (remapped chips show as IR-PCI-MSI / IR-IO-APIC); listening TCP sockets.
printf 'listen_read\tok\n'
set --; for f in /proc/cpuinfo /proc/interrupts /proc/net/tcp /proc/net/tcp6; do [ -r "$f" ] && set -- "$@" "$f"; done
awk '
  FILENAME == "/proc/cpuinfo" {
    if (/^processor/) n++
    else if (/^vendor_id/ && v == "") v = substr($0, index($0, ": ") + 2)
    else if (/^model name/ && m == "") m = substr($0, index($0, ": ") + 2)
    else if (/^flags/ && f == "") f = " " substr($0, index($0, ": ") + 2) " "
    next
  }
  FILENAME == "/proc/interrupts" { irq = 1; if (/IR-/) ir = 1; next }
  $4 == "0A" { print "listen\t" $2 }
  END {
    if (n) { x = "-"; if (f ~ / vmx /) x = "vmx"; else if (f ~ / svm /) x = "svm"; printf "cpu\t%s\t%d\t%s\t%s\n", v, n, x, m }
    if (irq) printf "irq_remap\t%d\n", ir
  }' "$@"
for v in /dev/vfio/[0-9]*; do [ -e "$v" ] && printf 'dev_vfio\t%s\n' "${v##*/}"; done
if command -v dpkg-query >/dev/null; then
  dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' @PACKAGES@ | while read -r status name; do [ "$status" = ii ] && printf 'pkg\t%s\n' "$name"; done
elif command -v rpm >/dev/null; then
  rpm -q --qf 'pkg\t%{NAME}\n' @PACKAGES@ | grep '^pkg'
fi
# One systemctl for every service: Id, UnitFileState, ActiveState per unit, units separated by a blank line.
if @HAS_SERVICES@; then
  systemctl show -p Id -p UnitFileState -p ActiveState @SERVICES@ | {
    id= e= a=
    while :; do
      IFS= read -r l; r=$?
      case "$l" in Id=*) id=${l#Id=} ;; UnitFileState=*) e=${l#UnitFileState=} ;; ActiveState=*) a=${l#ActiveState=} ;; esac
      if [ -z "$l" ] || [ $r -ne 0 ]; then
        [ -n "$id" ] && printf 'svc\t%s\t%s\t%s\n' "${id%.service}" "${e:-unknown}" "${a:-unknown}"
        id= e= a=
      fi
      [ $r -eq 0 ] || break
    done
  }
fi
@DEEP@
printf 'end\tok\n'
