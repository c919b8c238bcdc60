#!/usr/bin/env bash
# Installs what the test suite needs on a Debian 12 (or Ubuntu) machine, as root: the apt
# packages below, the lab's shared rootfs, the machine's libvirtd and the real-kernel host's image.
# Each step is a no-op when done already, so tests/test.sh runs this on every run as root.
#   tests/setup.sh           install what is missing
#   tests/setup.sh --check   only say what is missing (exit 1 if anything is); needs no root
set -euo pipefail
cd "$(dirname "$0")/.."

# Real validators the tests run on every rendered artifact (see README "Tests"):
#   libvirt0: libvirt.so.0 for our binding (test:///default driver); libvirt-clients: virt-xml-validate;
#   libxml2-utils: xmllint for it
#   cloud-init: 'cloud-init schema' (brings python3-jsonschema and python3-yaml, used by the schema tests)
#   systemd: systemd-analyze verify; dash: the /bin/sh that sources GRUB drop-ins
# The lab (tests/lab, docs/lab.md): debootstrap builds its rootfs from Debian's mirror;
#   util-linux (unshare) and libcap2-bin (capsh) run its hosts; openssh-client reaches them.
# The machine's own libvirtd (tests/lab/libvirtd.sh): libvirt-daemon + its qemu driver,
#   qemu-system-x86 (TCG guests), ovmf (UEFI firmware for the worker domains), sasl2-bin and
#   libsasl2-modules (its SASL-protected TCP listener, for the auth callback).
# The render farm (tests/Provisioner.IntegrationTests/Farm): redis-server (the queue and, run as
#   redis-server --sentinel, what Debian's redis-sentinel is; the tests start their own instances
#   on 127.0.0.1) and Debian's blender (3.4, CPU-only); curl and xz-utils for the VM installer test
#   (it runs the rendered first-boot script against a local HTTP server).
# The real-kernel host (tests/qemu-host, docs/lab.md): its image is partitioned, formatted and
#   converted here (fdisk: sfdisk, e2fsprogs: mkfs.ext4, qemu-utils: qemu-img) and booted by
#   qemu-system-x86 (above); debootstrap fills it from Debian's mirror.
# Lab twins of real machines (tests/lab/twin.sh): pci.ids names the devices of a dump made with
#   plain lspci (no -nn), so its ids come from the database, not from us.
# The benchmark's start-up figures: time (/usr/bin/time). Shell completion (CompletionTests): zsh.
# GL jobs (FarmGlTests): xvfb (xvfb-run, with xauth) gives the worker a display as an X server gives a VM;
#   there Debian's Blender gets Mesa's llvmpipe, which a GPU EEVEE job must refuse.
# The farm's web dashboard (FarmDashboardTests): Debian's chromium, driven through chromium-driver.
# Its /metrics scraped for real (FarmPrometheusTests): Debian's prometheus, started by the test on
#   127.0.0.1; the package's own service (all interfaces, :9090) is stopped and disabled below.
# worker.blenderproc (WorkerInstallTests): python3-venv, for the venv the VM's installer builds.
# The farm end to end (FarmEndToEnd, tests/guest): the worker VMs' share is a real NFS server,
#   nfs-ganesha with its VFS backend (this kernel has no nfsd); their image's EFI system partition
#   is made with dosfstools (mkfs.vfat) and filled with mtools (the sandbox mounts no vfat).
packages=(
  libvirt-clients libvirt0 libxml2-utils cloud-init python3-jsonschema python3-yaml systemd dash
  debootstrap util-linux libcap2-bin openssh-client ca-certificates
  libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 ovmf iproute2 python3 sasl2-bin libsasl2-modules
  redis-server blender curl xz-utils python3-venv
  fdisk e2fsprogs qemu-utils
  pci.ids time zsh
  chromium chromium-driver prometheus xvfb xauth
  nfs-ganesha nfs-ganesha-vfs dosfstools mtools
)

missing_packages() {
  local p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

if [ "${1:-}" = --check ]; then
  problems=0
  if ! command -v dotnet >/dev/null; then
    echo "missing: the .NET SDK (dotnet), version 10" >&2
    problems=1
  fi
  if ! command -v dpkg-query >/dev/null; then
    echo "missing: dpkg (the tests need a Debian or Ubuntu machine)" >&2
    exit 1
  fi
  missing=$(missing_packages | tr '\n' ' ')
  if [ -n "$missing" ]; then
    echo "missing packages: $missing" >&2
    problems=1
  fi
  if [ "$problems" -ne 0 ]; then
    echo "as root, tests/setup.sh installs them (tests/test.sh does so itself when run as root)" >&2
  fi
  exit "$problems"
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "tests/setup.sh installs packages and builds the lab: run it as root (sudo tests/setup.sh)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "tests/setup.sh needs apt-get (Debian 12 or Ubuntu); install the packages it lists by hand elsewhere" >&2
  exit 1
fi

missing=$(missing_packages)
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086 # one package per word
  apt-get install -y -q --no-install-recommends $missing
  # Nothing the tests install may listen beyond loopback: the tests start their own prometheus.
  if [ -d /run/systemd/system ] && systemctl is-enabled prometheus >/dev/null 2>&1; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

# The lab's shared rootfs, built once per machine (~70 s) before the tests time anything.
tests/lab/lab.sh base
tests/lab/libvirtd.sh start
# The real-kernel host's image, built once per cache (~3 min) before any test's clock runs.
tests/qemu-host/image.sh build >/dev/null
# The worker VMs' guest image for the farm end to end (~3 min, once per cache).
tests/guest/image.sh build >/dev/null
