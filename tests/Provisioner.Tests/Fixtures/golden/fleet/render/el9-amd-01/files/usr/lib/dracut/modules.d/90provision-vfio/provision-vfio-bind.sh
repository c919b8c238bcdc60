#!/bin/sh
# Managed by Provisioner for host el9-amd-01: a dracut pre-udev hook (installed by
# module-setup.sh beside it) that gives every function of the passed-through GPUs to vfio-pci
# by address, early in the initramfs.
# A driver built into the kernel (xhci_hcd on Ubuntu's kernels, which drives the USB-C function
# of Turing cards) binds while the kernel boots, before any softdep or blacklist can act, and
# vfio-pci's ids cannot take a device that is already bound. driver_override names vfio-pci as
# the only driver a function may have; unbind + drivers_probe then moves it, here in the
# initramfs, before anything uses it. Functions vfio-pci already holds are left as they are.
modprobe vfio-pci 2>/dev/null || true
for provision_dev in 0000:01:00.0 0000:01:00.1 0000:41:00.0 0000:41:00.1; do
  provision_sys=/sys/bus/pci/devices/$provision_dev
  [ -e "$provision_sys" ] || continue
  echo vfio-pci > "$provision_sys/driver_override"
  if [ -e "$provision_sys/driver" ] && [ "$(basename "$(readlink "$provision_sys/driver")")" != vfio-pci ]; then
    echo "$provision_dev" > "$provision_sys/driver/unbind"
  fi
  [ -e "$provision_sys/driver" ] || echo "$provision_dev" > /sys/bus/pci/drivers_probe
done
