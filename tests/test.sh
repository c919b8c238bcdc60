#!/usr/bin/env bash
# The project's test command (README): builds the solution, runs every test project, and ends
# with the plain line "N passed, N failed" summed over all of them. Extra arguments go to
# dotnet test (e.g. --filter FullyQualifiedName~Golden). Needs root for the lab (docs/lab.md).
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet test Provisioner.sln -c Release --logger trx --results-directory "$results" "$@"
code=$?
passed=0 failed=0 files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  passed=$((passed + $(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")))
  failed=$((failed + $(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")))
  files=$((files + 1))
done
if [ "$files" -eq 0 ]; then
  echo "no test results were written" >&2
  exit 1
fi
echo "${passed} passed, ${failed} failed"
exit "$code"
