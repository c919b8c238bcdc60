#!/usr/bin/env bash
# The machine's own libvirtd (qemu driver; no KVM here, so guests run under TCG), for the tests
# that drive real domains through our binding and SSH transport (docs/lab.md).
#   libvirtd.sh start   configure (guests run as root, no cgroups or security driver: this is a
#                       container without systemd), add the bridge prvlab0 for lab VMs, and
#                       start virtlogd and libvirtd if not running
#   libvirtd.sh stop
# Needs libvirt-daemon, libvirt-daemon-driver-qemu, qemu-system-x86, ovmf (.ci/run installs them).
set -euo pipefail
sock=/var/run/libvirt/libvirt-sock

cmd_start() {
  command -v libvirtd >/dev/null || { echo "libvirtd.sh: libvirtd is missing: apt-get install libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 ovmf" >&2; exit 1; }
  getent group kvm >/dev/null || groupadd -r kvm
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  id libvirt-qemu >/dev/null 2>&1 || useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  mkdir -p /var/run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/lib/libvirt/images /etc/libvirt
  if ! grep -q '^# provision-lab' /etc/libvirt/qemu.conf 2>/dev/null; then
    [ -f /etc/libvirt/qemu.conf ] && cp /etc/libvirt/qemu.conf /etc/libvirt/qemu.conf.before-provision-lab
    printf '# provision-lab: guests as root, no cgroups, no security driver (container without systemd)\nuser = "root"\ngroup = "root"\nsecurity_driver = "none"\ncgroup_controllers = [ ]\n' > /etc/libvirt/qemu.conf
  fi
  # The bridge lab worker VMs attach to (vm.network.bridge: prvlab0); no ports, no address.
  ip link show prvlab0 >/dev/null 2>&1 || { ip link add prvlab0 type bridge && ip link set prvlab0 up; }
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 100); do [ -S "$sock" ] && exit 0; sleep 0.1; done
  echo "libvirtd.sh: libvirtd did not create $sock; run 'libvirtd' in the foreground to see why" >&2
  exit 1
}

cmd_stop() { pkill -x libvirtd || true; pkill -x virtlogd || true; ip link del prvlab0 2>/dev/null || true; }

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
