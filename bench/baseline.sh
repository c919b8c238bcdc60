#!/bin/bash
# Builds `provision` as it was at an earlier commit, for the benchmark's "before" column:
#   dotnet run -c Release --project bench/Provisioner.Benchmark -- [lab|startup ...] --baseline DLL
# The earlier tree is exported (git archive: no worktree to clean up) and built in Release.
#   bench/baseline.sh [COMMIT] [DIR]   default: 4960efc (the last commit before the release and
#                                      scale work of issue 21), /tmp/provision-baseline
# Prints the path of the provision.dll to pass as --baseline.
set -euo pipefail
commit=${1:-4960efc}
dir=${2:-/tmp/provision-baseline}
repo=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dir"
mkdir -p "$dir/src"
git -C "$repo" archive "$commit" | tar -x -C "$dir/src"
dotnet build -c Release -o "$dir/bin" "$dir/src/src/Provisioner.Cli" >&2
echo "$dir/bin/provision.dll"
