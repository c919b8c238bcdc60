#!/usr/bin/env bash
# tests/lab/twin.sh DUMP [DUMP...] > profile.json
# A lab hardware profile (a "twin") from what an owner published about a real machine: lspci
# output, IOMMU group listings, kernel command line, GRUB and modprobe files, wherever they stand
# in the document. Boot it with 'tests/lab/lab.sh up N PATH/TO/profile.json'. What the dump does
# not show is filled from a stated default and listed under "assumed". Exits 1 when it finds no
# device. The interface is fixed: other tools call it. See twin.py for the formats it reads.
set -euo pipefail
exec python3 "$(dirname "$0")/twin.py" "$@"
