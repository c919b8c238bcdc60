#!/usr/bin/env bash
# Keeps one lab host running: starts its namespace, and when the host "reboots" (the reboot
# stub left var/lib/lab/reboot-requested on its disk) starts it again on the same disk with a
# new boot_id. Any other end of the namespace (the lab is going down) ends the supervisor.
set -uo pipefail
host=$1 address=$2 dir=$3 base=$4 keys=$5
here=$(cd "$(dirname "$0")" && pwd)
while true; do
  unshare --mount --uts --ipc --pid --fork --kill-child --mount-proc=/proc \
    "$here/host-init.sh" "$host" "$address" "$dir" "$base" "$keys"
  status=$?
  echo "$(date -u +%FT%TZ) $host init exited with $status"
  [ -f "$dir/upper/var/lib/lab/reboot-requested" ] || exit "$status"
done
