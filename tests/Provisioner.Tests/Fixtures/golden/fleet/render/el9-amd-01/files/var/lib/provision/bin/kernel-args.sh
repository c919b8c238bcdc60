#!/bin/bash
# Managed by Provisioner for host el9-amd-01 (el9): set kernel arguments with grubby.
# grubby edits every installed kernel's BLS entry and ignores an argument already present.
set -euo pipefail
# A bare key removes every value of it (grubby's own rule); it adds key=value in place of any other
# value of that key, but not of its other spelling (vfio_pci.ids for vfio-pci.ids): both go first.
grubby --update-kernel=ALL --remove-args='amd_iommu=off iommu=off amd_iommu amd-iommu iommu pcie_acs_override pcie-acs-override vfio-pci.ids vfio_pci.ids default_hugepagesz default-hugepagesz hugepagesz hugepages'
grubby --update-kernel=ALL --args='amd_iommu=on iommu=pt pcie_acs_override=downstream,multifunction vfio-pci.ids=10de:1aef,10de:2231 rd.driver.pre=vfio-pci rd.driver.blacklist=nouveau default_hugepagesz=1G hugepagesz=1G'
# Keep /etc/default/grub in step so a future grub2-mkconfig does not drop the arguments.
if [ -f /etc/default/grub ]; then
. /etc/default/grub
provision_clean() {
  provision_out=
  set -f
  for provision_word in $1; do
    case "$provision_word" in
      amd_iommu=*|amd-iommu=*|iommu=*|pcie_acs_override=*|pcie-acs-override=*|vfio-pci.ids=*|vfio_pci.ids=*|default_hugepagesz=*|default-hugepagesz=*|hugepagesz=*|hugepages=*|amd_iommu=on|iommu=pt|pcie_acs_override=downstream,multifunction|vfio-pci.ids=10de:1aef,10de:2231|rd.driver.pre=vfio-pci|rd.driver.blacklist=nouveau|default_hugepagesz=1G|hugepagesz=1G|amd_iommu=off|iommu=off|'') ;;
      *) provision_out="${provision_out:+$provision_out }$provision_word" ;;
    esac
  done
  set +f
}
provision_clean "${GRUB_CMDLINE_LINUX:-}"
provision_linux="${provision_out:+$provision_out }amd_iommu=on iommu=pt pcie_acs_override=downstream,multifunction vfio-pci.ids=10de:1aef,10de:2231 rd.driver.pre=vfio-pci rd.driver.blacklist=nouveau default_hugepagesz=1G hugepagesz=1G"
provision_clean "${GRUB_CMDLINE_LINUX_DEFAULT:-}"
provision_default=$provision_out
grep -q '^GRUB_CMDLINE_LINUX=' /etc/default/grub || echo 'GRUB_CMDLINE_LINUX=""' >> /etc/default/grub
# sed's replacement text: '\', '&' and the '#' delimiter are escaped.
provision_sed() { printf '%s' "$1" | sed 's/[\\&#]/\\&/g'; }
sed -i.provision-bak \
  -e "s#^GRUB_CMDLINE_LINUX=.*#GRUB_CMDLINE_LINUX=\"$(provision_sed "$provision_linux")\"#" \
  -e "s#^GRUB_CMDLINE_LINUX_DEFAULT=.*#GRUB_CMDLINE_LINUX_DEFAULT=\"$(provision_sed "$provision_default")\"#" \
  /etc/default/grub
fi
