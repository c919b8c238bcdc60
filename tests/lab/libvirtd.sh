#!/usr/bin/env bash
# The machine's own libvirtd (qemu driver; no KVM here, so guests run under TCG), for the tests
# that drive real domains through our binding and SSH transport (docs/lab.md).
#   libvirtd.sh start   configure (guests run as root, no cgroups or security driver: this is a
#                       container without systemd), add the bridge prvlab0 for lab VMs, and
#                       start virtlogd and libvirtd if not running; libvirtd also listens on
#                       127.0.0.1:16509 (TCP, SASL digest-md5) for user 'provision-lab', whose
#                       password is made at random into $LAB_ROOT/libvirt-password
#   libvirtd.sh stop
# Needs libvirt-daemon, libvirt-daemon-driver-qemu, qemu-system-x86, ovmf, sasl2-bin,
# libsasl2-modules (.ci/run installs them).
set -euo pipefail
sock=/var/run/libvirt/libvirt-sock
LAB_ROOT=${LAB_ROOT:-/var/lib/provision-lab}

cmd_start() {
  command -v libvirtd >/dev/null || { echo "libvirtd.sh: libvirtd is missing: apt-get install libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 ovmf" >&2; exit 1; }
  getent group kvm >/dev/null || groupadd -r kvm
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  id libvirt-qemu >/dev/null 2>&1 || useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  mkdir -p /var/run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/lib/libvirt/images /etc/libvirt
  # No private /dev per guest (namespaces = [ ]): in a chroot or container libvirt cannot build
  # one, and QEMU then fails with "Could not open '/dev/urandom'" (seen in a debootstrap chroot).
  # Rewritten when it differs (an older lab's file), the machine's own kept once beside it.
  local qemu_conf='# provision-lab: guests as root, no cgroups, no security driver, no private /dev (container or chroot without systemd)
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]'
  if [ "$(cat /etc/libvirt/qemu.conf 2>/dev/null)" != "$qemu_conf" ]; then
    if [ -f /etc/libvirt/qemu.conf ] && ! grep -q '^# provision-lab' /etc/libvirt/qemu.conf; then
      cp /etc/libvirt/qemu.conf /etc/libvirt/qemu.conf.before-provision-lab
    fi
    printf '%s\n' "$qemu_conf" > /etc/libvirt/qemu.conf
    # A running libvirtd read the old file: start it again with this one.
    if pgrep -x libvirtd >/dev/null; then
      pkill -x libvirtd || true
      for _ in $(seq 1 100); do pgrep -x libvirtd >/dev/null || break; sleep 0.1; done
    fi
  fi
  # The bridge lab worker VMs attach to (vm.network.bridge: prvlab0); no ports, no address.
  ip link show prvlab0 >/dev/null 2>&1 || { ip link add prvlab0 type bridge && ip link set prvlab0 up; }
  # A TCP listener on loopback that asks for SASL credentials: what our auth callback answers.
  if ! grep -q '^# provision-lab' /etc/libvirt/libvirtd.conf 2>/dev/null; then
    [ -f /etc/libvirt/libvirtd.conf ] && cp /etc/libvirt/libvirtd.conf /etc/libvirt/libvirtd.conf.before-provision-lab
    printf '# provision-lab: SASL on a loopback TCP listener\nlisten_tls = 0\nlisten_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "16509"\nauth_tcp = "sasl"\n' > /etc/libvirt/libvirtd.conf
  fi
  mkdir -p /etc/sasl2 "$LAB_ROOT"
  printf 'mech_list: digest-md5\nsasldb_path: /etc/libvirt/passwd.db\n' > /etc/sasl2/libvirt.conf
  if [ ! -s "$LAB_ROOT/libvirt-password" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 > "$LAB_ROOT/libvirt-password")
  fi
  saslpasswd2 -p -a libvirt -f /etc/libvirt/passwd.db provision-lab < "$LAB_ROOT/libvirt-password"
  pgrep -x virtlogd >/dev/null || virtlogd -d
  if ! pgrep -x libvirtd >/dev/null; then
    rm -f "$sock" # a stale socket of a killed daemon would look ready
    libvirtd -d --listen
  fi
  # The first start probes qemu's capabilities (several seconds on a loaded machine).
  for _ in $(seq 1 600); do [ -S "$sock" ] && exit 0; sleep 0.1; done
  echo "libvirtd.sh: libvirtd did not create $sock; run 'libvirtd' in the foreground to see why" >&2
  exit 1
}

cmd_stop() {
  pkill -x libvirtd || true
  pkill -x virtlogd || true
  # Wait until they are gone: a new daemon started while the old one still holds its pid file exits.
  for _ in $(seq 1 100); do pgrep -x libvirtd >/dev/null || pgrep -x virtlogd >/dev/null || break; sleep 0.1; done
  ip link del prvlab0 2>/dev/null || true
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
