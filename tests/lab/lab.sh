#!/usr/bin/env bash
# The test lab: many real sshd hosts on one machine (see ../../docs/lab.md).
#   lab.sh base            build the shared Debian rootfs once (debootstrap, ~70 s)
#   lab.sh up N [PROFILE] [OS] [libvirt]  start hosts h1..hN on 127.0.2.1..N:22 (idempotent);
#                          a new host gets hardware PROFILE (profiles/*.json, default a5000x4,
#                          or the path of a profile file, e.g. a twin from twin.sh),
#                          OS flavour debian (default), rocky9 or centos7 (EL tools as stubs),
#                          fedora or arch (with systemd-boot): the families Provisioner refuses,
#                          and with 'libvirt' the machine's libvirtd socket (libvirtd.sh start)
#   lab.sh down            stop every host (their disks stay; 'lab.sh wipe' removes them)
#   lab.sh status          one line per host: name, address, pid, boot_id
#   lab.sh cut HOST        drop every SSH connection to HOST mid-command (kill every process of
#                          the host but its sshd listener); the host stays up, same boot
#   lab.sh wipe            down + remove every host's disk (keys and base stay)
# A host is sshd as PID 1 of its own PID/mount/UTS/IPC namespace, chrooted into an overlay of
# the shared base; it never changes the real machine (read-only /proc/sys and /sys, no module
# loading, no clock, no reboot of the machine: capabilities dropped).
set -euo pipefail
LAB_ROOT=${LAB_ROOT:-/var/lib/provision-lab}
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=$LAB_ROOT/base
KEYS=$LAB_ROOT/keys

address() { echo "127.0.2.${1#h}"; }
running() { [ -f "$1/supervisor.pid" ] && kill -0 "$(cat "$1/supervisor.pid")" 2>/dev/null; }
answers() { (exec 3<>"/dev/tcp/$1/22") 2>/dev/null; }

# Bump when the base changes, so existing lab bases are brought up to date.
BASE_VERSION=4

cmd_base() {
  if [ -f "$BASE/.lab-base-ready-v$BASE_VERSION" ]; then return 0; fi
  command -v debootstrap >/dev/null || { echo "lab: debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
  mkdir -p "$LAB_ROOT"
  if [ ! -x "$BASE/usr/sbin/sshd" ]; then
    rm -rf "$BASE"
    debootstrap --variant=minbase --include=openssh-server,python3,procps,iproute2,kmod,pciutils \
      bookworm "$BASE" http://deb.debian.org/debian
  fi
  mkdir -p "$BASE/etc/modules-load.d" "$BASE/etc/sysctl.d" "$BASE/etc/modprobe.d" "$BASE/etc/lab" "$BASE/run/sshd"
  # Root logs in by key only: '*' (no password) rather than '!' (locked, which sshd refuses).
  sed -i 's/^root:[^:]*:/root:*:/' "$BASE/etc/shadow"
  rm -f "$BASE"/etc/ssh/ssh_host_*
  cat > "$BASE/etc/ssh/sshd_config.d/lab.conf" <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 200:30:400
MaxSessions 64
LogLevel VERBOSE
CONF
  # The virtualisation stack a prepared Debian host has (what 'provision' installs there), from
  # Debian's mirror inside the base: shared by every host through the overlay. systemd comes as
  # a dependency but never runs (lab hosts boot sshd as PID 1).
  mount -t proc proc "$BASE/proc"
  chroot "$BASE" sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    qemu-system-x86 libvirt-daemon-system ovmf genisoimage qemu-utils bridge-utils ifenslave sudo curl && apt-get clean' || { umount "$BASE/proc"; exit 1; }
  umount "$BASE/proc"
  # A non-root admin as many fleets have: key login, passwordless sudo (apply runs 'sudo -n sh -c ...', its script on stdin).
  chroot "$BASE" sh -c 'id deploy >/dev/null 2>&1 || useradd -m -s /bin/bash deploy'
  sed -i 's/^deploy:[^:]*:/deploy:*:/' "$BASE/etc/shadow"
  echo 'deploy ALL=(ALL) NOPASSWD: ALL' > "$BASE/etc/sudoers.d/deploy" && chmod 440 "$BASE/etc/sudoers.d/deploy"
  # A fresh GPU server: IOMMU not on the command line yet.
  printf 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' > "$BASE/etc/default/grub"
  mkdir -p "$BASE/etc/default/grub.d" "$BASE/boot/grub" "$BASE/etc/initramfs-tools/hooks" "$BASE/etc/dracut.conf.d"
  touch "$BASE/.lab-base-ready-v$BASE_VERSION"
}

keys_for() {
  local host=$1
  mkdir -p "$KEYS/$host"
  if [ ! -f "$KEYS/admin_ed25519" ]; then ssh-keygen -q -t ed25519 -N '' -C lab-admin -f "$KEYS/admin_ed25519"; fi
  if [ ! -f "$KEYS/$host/ssh_host_ed25519_key" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$KEYS/$host/ssh_host_ed25519_key"
  fi
  # known_hosts is rebuilt from the kept host keys, so it stays valid across lab restarts.
  local line
  line="$(address "$host") $(cut -d' ' -f1,2 "$KEYS/$host/ssh_host_ed25519_key.pub")"
  touch "$LAB_ROOT/known_hosts"
  grep -qxF "$line" "$LAB_ROOT/known_hosts" || echo "$line" >> "$LAB_ROOT/known_hosts"
}

cmd_up() {
  local count=${1:?usage: lab.sh up N [PROFILE] [OS] [libvirt]} profile=${2:-a5000x4} os=${3:-debian} libvirt=${4:-}
  case "$os" in debian|rocky9|centos7|fedora|arch) ;; *) echo "lab: OS flavour $os is not one of debian, rocky9, centos7, fedora, arch" >&2; exit 1 ;; esac
  # PROFILE is a name from profiles/, or the path of a profile file (a twin made by twin.sh).
  local profile_file=
  case "$profile" in
    */*|*.json) [ -f "$profile" ] || { echo "lab: no profile file $profile" >&2; exit 1; }; profile_file=$(realpath "$profile"); profile=$(basename "$profile" .json) ;;
    *) [ -f "$HERE/profiles/$profile.json" ] || { echo "lab: no profile $profile in $HERE/profiles (or give a profile file's path)" >&2; exit 1; } ;;
  esac
  [ -f "$BASE/.lab-base-ready-v$BASE_VERSION" ] || { echo "lab: no current base rootfs: run 'lab.sh base' first" >&2; exit 1; }
  for n in $(seq 1 "$count"); do
    local host="h$n" dir="$LAB_ROOT/hosts/h$n"
    keys_for "$host"
    mkdir -p "$dir/upper" "$dir/work" "$dir/merged"
    if [ ! -f "$dir/profile" ]; then
      echo "$profile" > "$dir/profile"
      [ -n "$profile_file" ] && cp "$profile_file" "$dir/profile.json"
    fi
    if [ ! -f "$dir/os" ]; then
      echo "$os" > "$dir/os"
      [ "$libvirt" = libvirt ] && touch "$dir/libvirt"
    fi
    if running "$dir"; then
      # Up, or rebooting: leave it. Going down for good (its sshd was killed): its supervisor
      # exits within moments; wait for that, then start the host again.
      for _ in $(seq 1 50); do answers "$(address "$host")" && break; running "$dir" || break; sleep 0.1; done
      if running "$dir"; then continue; fi
    fi
    setsid "$HERE/host-supervisor.sh" "$host" "$(address "$host")" "$dir" "$BASE" "$KEYS" </dev/null >"$dir/supervisor.log" 2>&1 &
    echo $! > "$dir/supervisor.pid"
  done
  # Wait until every sshd answers (bounded: a host that does not come up is an error).
  for n in $(seq 1 "$count"); do
    local tries=0
    until answers "$(address "h$n")"; do
      tries=$((tries + 1))
      if [ $tries -gt 300 ]; then echo "lab: h$n did not start; see $LAB_ROOT/hosts/h$n/supervisor.log" >&2; exit 1; fi
      sleep 0.1
    done
  done
}

cmd_down() {
  for pidfile in "$LAB_ROOT"/hosts/*/supervisor.pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    # The supervisor's process group holds the namespace's init; killing init ends the namespace.
    kill -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

cmd_status() {
  for dir in "$LAB_ROOT"/hosts/*/; do
    local host; host=$(basename "$dir")
    local pid="-"; [ -f "$dir/supervisor.pid" ] && pid=$(cat "$dir/supervisor.pid")
    local boot="-"; [ -f "$dir/upper/var/lib/lab/boot_id" ] && boot=$(cat "$dir/upper/var/lib/lab/boot_id")
    echo "$host $(address "$host") $pid $boot"
  done
}

cmd_cut() {
  local dir=$LAB_ROOT/hosts/${1:?usage: lab.sh cut HOST}
  running "$dir" || { echo "lab: $1 is not running" >&2; exit 1; }
  local unshare init ns
  unshare=$(pgrep -P "$(cat "$dir/supervisor.pid")" -x unshare) && init=$(pgrep -P "$unshare" | head -n1) \
    || { echo "lab: cannot find $1's init process" >&2; exit 1; }
  ns=$(readlink "/proc/$init/ns/pid")
  for p in /proc/[0-9]*; do
    local pid=${p#/proc/}
    [ "$pid" != "$init" ] && [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && kill -KILL "$pid" 2>/dev/null
  done
  return 0
}

cmd_wipe() { cmd_down; sleep 0.5; rm -rf "$LAB_ROOT/hosts"; }

case "${1:-}" in
  base) cmd_base ;;
  up) cmd_up "${2:-}" "${3:-}" "${4:-}" "${5:-}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  cut) cmd_cut "${2:-}" ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
