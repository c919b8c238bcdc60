#!/bin/bash
# Managed by Provisioner for host el8-intel-01 (el8): set kernel arguments with grubby.
# grubby edits every installed kernel's BLS entry and ignores an argument already present.
set -euo pipefail
grubby --update-kernel=ALL --remove-args='intel_iommu=off iommu=off'
grubby --update-kernel=ALL --args='intel_iommu=on iommu=pt vfio-pci.ids=1002:73a3,1002:ab28,10de:1aef,10de:2231 rd.driver.pre=vfio-pci rd.driver.blacklist=nouveau'
# Keep /etc/default/grub in step so a future grub2-mkconfig does not drop the arguments.
if [ -f /etc/default/grub ]; then
. /etc/default/grub
line=" ${GRUB_CMDLINE_LINUX:-} "
line="${line// intel_iommu=off / }"
line="${line// iommu=off / }"
case "$line" in *" intel_iommu=on "*) ;; *) line="${line}intel_iommu=on " ;; esac
case "$line" in *" iommu=pt "*) ;; *) line="${line}iommu=pt " ;; esac
case "$line" in *" vfio-pci.ids=1002:73a3,1002:ab28,10de:1aef,10de:2231 "*) ;; *) line="${line}vfio-pci.ids=1002:73a3,1002:ab28,10de:1aef,10de:2231 " ;; esac
case "$line" in *" rd.driver.pre=vfio-pci "*) ;; *) line="${line}rd.driver.pre=vfio-pci " ;; esac
case "$line" in *" rd.driver.blacklist=nouveau "*) ;; *) line="${line}rd.driver.blacklist=nouveau " ;; esac
line="$(echo $line)"
sed -i.provision-bak "s#^GRUB_CMDLINE_LINUX=.*#GRUB_CMDLINE_LINUX=\"${line}\"#" /etc/default/grub
fi
