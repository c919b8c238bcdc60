#!/bin/bash
# Managed by Provisioner for host el7-intel-01 (el7): set kernel arguments in
# GRUB_CMDLINE_LINUX of /etc/default/grub, each once, then regenerate grub.cfg for the way
# this machine boots (UEFI or BIOS).
set -euo pipefail
. /etc/default/grub
provision_clean() {
  provision_out=
  set -f
  for provision_word in $1; do
    case "$provision_word" in
      intel_iommu=*|intel-iommu=*|iommu=*|vfio-pci.ids=*|vfio_pci.ids=*|default_hugepagesz=*|default-hugepagesz=*|hugepagesz=*|hugepages=*|intel_iommu=on|iommu=pt|vfio-pci.ids=10de:1aef,10de:2231|rd.driver.pre=vfio-pci|rd.driver.blacklist=nouveau|default_hugepagesz=1G|hugepagesz=1G|intel_iommu=off|iommu=off|'') ;;
      *) provision_out="${provision_out:+$provision_out }$provision_word" ;;
    esac
  done
  set +f
}
provision_clean "${GRUB_CMDLINE_LINUX:-}"
provision_linux="${provision_out:+$provision_out }intel_iommu=on iommu=pt vfio-pci.ids=10de:1aef,10de:2231 rd.driver.pre=vfio-pci rd.driver.blacklist=nouveau default_hugepagesz=1G hugepagesz=1G"
provision_clean "${GRUB_CMDLINE_LINUX_DEFAULT:-}"
provision_default=$provision_out
grep -q '^GRUB_CMDLINE_LINUX=' /etc/default/grub || echo 'GRUB_CMDLINE_LINUX=""' >> /etc/default/grub
# sed's replacement text: '\', '&' and the '#' delimiter are escaped.
provision_sed() { printf '%s' "$1" | sed 's/[\\&#]/\\&/g'; }
sed -i.provision-bak \
  -e "s#^GRUB_CMDLINE_LINUX=.*#GRUB_CMDLINE_LINUX=\"$(provision_sed "$provision_linux")\"#" \
  -e "s#^GRUB_CMDLINE_LINUX_DEFAULT=.*#GRUB_CMDLINE_LINUX_DEFAULT=\"$(provision_sed "$provision_default")\"#" \
  /etc/default/grub
if [ -d /sys/firmware/efi ]; then
  . /etc/os-release
  grub2-mkconfig -o "/boot/efi/EFI/${ID}/grub.cfg"
else
  grub2-mkconfig -o /boot/grub2/grub.cfg
fi
