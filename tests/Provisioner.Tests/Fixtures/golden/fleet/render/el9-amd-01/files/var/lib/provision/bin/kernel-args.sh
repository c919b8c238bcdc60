#!/bin/bash
# Managed by Provisioner for host el9-amd-01 (el9): set kernel arguments with grubby.
# grubby edits every installed kernel's BLS entry and ignores an argument already present.
set -euo pipefail
grubby --update-kernel=ALL --remove-args='amd_iommu=off iommu=off'
grubby --update-kernel=ALL --args='amd_iommu=on iommu=pt pcie_acs_override=downstream,multifunction vfio-pci.ids=10de:1aef,10de:2231 rd.driver.pre=vfio-pci rd.driver.blacklist=nouveau default_hugepagesz=1G hugepagesz=1G hugepages=64'
# Keep /etc/default/grub in step so a future grub2-mkconfig does not drop the arguments.
if [ -f /etc/default/grub ]; then
. /etc/default/grub
line=" ${GRUB_CMDLINE_LINUX:-} "
line="${line// amd_iommu=off / }"
line="${line// iommu=off / }"
case "$line" in *" amd_iommu=on "*) ;; *) line="${line}amd_iommu=on " ;; esac
case "$line" in *" iommu=pt "*) ;; *) line="${line}iommu=pt " ;; esac
case "$line" in *" pcie_acs_override=downstream,multifunction "*) ;; *) line="${line}pcie_acs_override=downstream,multifunction " ;; esac
case "$line" in *" vfio-pci.ids=10de:1aef,10de:2231 "*) ;; *) line="${line}vfio-pci.ids=10de:1aef,10de:2231 " ;; esac
case "$line" in *" rd.driver.pre=vfio-pci "*) ;; *) line="${line}rd.driver.pre=vfio-pci " ;; esac
case "$line" in *" rd.driver.blacklist=nouveau "*) ;; *) line="${line}rd.driver.blacklist=nouveau " ;; esac
case "$line" in *" default_hugepagesz=1G "*) ;; *) line="${line}default_hugepagesz=1G " ;; esac
case "$line" in *" hugepagesz=1G "*) ;; *) line="${line}hugepagesz=1G " ;; esac
case "$line" in *" hugepages=64 "*) ;; *) line="${line}hugepages=64 " ;; esac
line="$(echo $line)"
sed -i.provision-bak "s#^GRUB_CMDLINE_LINUX=.*#GRUB_CMDLINE_LINUX=\"${line}\"#" /etc/default/grub
fi
