#!/bin/bash
# Managed by Provisioner for host el7-intel-01 (el7): set kernel arguments in
# GRUB_CMDLINE_LINUX of /etc/default/grub, each once, then regenerate grub.cfg for the way
# this machine boots (UEFI or BIOS).
set -euo pipefail
. /etc/default/grub
line=" ${GRUB_CMDLINE_LINUX:-} "
line="${line// intel_iommu=off / }"
line="${line// iommu=off / }"
case "$line" in *" intel_iommu=on "*) ;; *) line="${line}intel_iommu=on " ;; esac
case "$line" in *" iommu=pt "*) ;; *) line="${line}iommu=pt " ;; esac
case "$line" in *" vfio-pci.ids=10de:1aef,10de:2231 "*) ;; *) line="${line}vfio-pci.ids=10de:1aef,10de:2231 " ;; esac
case "$line" in *" rd.driver.pre=vfio-pci "*) ;; *) line="${line}rd.driver.pre=vfio-pci " ;; esac
case "$line" in *" rd.driver.blacklist=nouveau "*) ;; *) line="${line}rd.driver.blacklist=nouveau " ;; esac
case "$line" in *" default_hugepagesz=1G "*) ;; *) line="${line}default_hugepagesz=1G " ;; esac
case "$line" in *" hugepagesz=1G "*) ;; *) line="${line}hugepagesz=1G " ;; esac
case "$line" in *" hugepages=48 "*) ;; *) line="${line}hugepages=48 " ;; esac
line="$(echo $line)"
sed -i.provision-bak "s#^GRUB_CMDLINE_LINUX=.*#GRUB_CMDLINE_LINUX=\"${line}\"#" /etc/default/grub
if [ -d /sys/firmware/efi ]; then
  . /etc/os-release
  grub2-mkconfig -o "/boot/efi/EFI/${ID}/grub.cfg"
else
  grub2-mkconfig -o /boot/grub2/grub.cfg
fi
