#!/bin/bash
# Managed by Provisioner for host hk-gpu-01: the dracut module that puts the early vfio-pci
# rebind (provision-vfio-bind.sh beside this file) into every initramfs dracut builds.
check() { return 0; }
depends() { return 0; }
install() {
  inst_hook pre-udev 00 "$moddir/provision-vfio-bind.sh"
}
