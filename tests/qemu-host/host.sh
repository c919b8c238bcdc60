#!/usr/bin/env bash
# Runs one real-kernel lab host (docs/lab.md "Real-kernel host") under QEMU's software emulation.
#
#   host.sh start DIR PORT   boot a throw-away overlay of the cached image (image.sh build) in DIR,
#                            its sshd forwarded to 127.0.0.1:PORT; returns at once. Puts the image's
#                            admin key and a known_hosts line for [127.0.0.1]:PORT in $STATE
#                            (/var/lib/provision-lab/qemu-host), where inventories/lab-qemu.yaml looks
#   host.sh stop DIR         power it off and end the restart loop
#
# The machine: q35 with an emulated Intel IOMMU (interrupt remapping, caching mode), the edu device
# (1234:11e8, no host driver: the stand-in GPU) at 00:10.0 and an e1000e NIC (8086:10d3, claimed by
# the e1000e driver: the stand-in for a GPU a host driver grabbed first) at 00:11.0. The disk and the
# NIC that carries SSH are virtio. QEMU runs with -no-reboot inside a loop: a guest reboot ends QEMU
# and the loop boots the same disk again through its own GRUB (faster under TCG than an in-guest
# reset). DIR/console.log collects every boot's serial console.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${PROVISION_QEMU_STATE:-/var/lib/provision-lab/qemu-host}

boot() { # DIR PORT: one boot, until the guest reboots or powers off
  local dir=$1 port=$2
  exec qemu-system-x86_64 -name qemu-host -accel tcg,thread=multi -cpu max -smp 2 -m "${PROVISION_QEMU_MEMORY:-2048}" \
    -machine q35,kernel-irqchip=split \
    -device intel-iommu,intremap=on,caching-mode=on \
    -drive "file=$dir/overlay.qcow2,if=none,id=disk0,format=qcow2,cache=unsafe,discard=unmap" -device virtio-blk-pci,drive=disk0 \
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56 \
    -device edu,addr=0x10 \
    -device e1000e,addr=0x11,mac=52:54:00:65:43:21 \
    -chardev "file,id=serial0,path=$dir/console.log,append=on" -serial chardev:serial0 \
    -display none -monitor none -nodefaults -no-reboot -pidfile "$dir/qemu.pid"
}

case "${1:-}" in
  start)
    dir=$2 port=$3
    entry=$("$here/image.sh" path)
    mkdir -p "$dir" "$state"
    install -m 600 "$entry/admin_ed25519" "$state/admin_ed25519"
    touch "$state/known_hosts"
    # Strict host key checking: the image's own host key, for this port only.
    { grep -v "^\[127.0.0.1\]:$port " "$state/known_hosts" || true; echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$entry/host_ed25519.pub")"; } >"$state/known_hosts.new"
    mv -f "$state/known_hosts.new" "$state/known_hosts"
    [ -e "$dir/overlay.qcow2" ] || qemu-img create -q -f qcow2 -F qcow2 -b "$entry/disk.qcow2" "$dir/overlay.qcow2"
    rm -f "$dir/stop"
    setsid "$0" loop "$dir" "$port" </dev/null >>"$dir/loop.log" 2>&1 &
    echo $! >"$dir/loop.pid"
    ;;
  loop)
    dir=$2 port=$3
    boots=0
    while [ ! -e "$dir/stop" ]; do
      boots=$((boots + 1))
      echo "=== provision qemu-host: boot $boots ===" >>"$dir/console.log"
      (boot "$dir" "$port") || echo "qemu exited with $? (boot $boots)"
    done
    ;;
  stop)
    dir=$2
    touch "$dir/stop"
    for pidfile in "$dir/loop.pid" "$dir/qemu.pid"; do
      [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    for _ in $(seq 50); do
      if [ -f "$dir/qemu.pid" ] && kill -0 "$(cat "$dir/qemu.pid")" 2>/dev/null; then sleep 0.1; else break; fi
    done
    [ -f "$dir/qemu.pid" ] && kill -9 "$(cat "$dir/qemu.pid")" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
