#!/bin/bash
# Builds the queue benchmark against the farm queue of an earlier commit, for
#   dotnet run -c Release --project bench/Provisioner.Benchmark -- queue --baseline DLL
# The earlier tree is exported (git archive, no worktree to clean up); this tree's benchmark
# sources replace its own, compiled with QUEUE_BASELINE (that queue has no reaper lock).
#   bench/queue-baseline.sh [COMMIT] [DIR]    default: f897094 (the last before the lease index), /tmp/provision-queue-baseline
# Prints the path of the benchmark DLL to pass as --baseline.
set -euo pipefail
commit=${1:-f897094}
dir=${2:-/tmp/provision-queue-baseline}
repo=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dir"
mkdir -p "$dir"
git -C "$repo" archive "$commit" | tar -x -C "$dir"
rm -rf "$dir/bench/Provisioner.Benchmark"
cp -r "$repo/bench/Provisioner.Benchmark" "$dir/bench/"
rm -rf "$dir/bench/Provisioner.Benchmark/bin" "$dir/bench/Provisioner.Benchmark/obj"
dotnet build -c Release -p:QueueBaseline=true "$dir/bench/Provisioner.Benchmark" >&2
echo "$dir/bench/Provisioner.Benchmark/bin/Release/net10.0/Provisioner.Benchmark.dll"
