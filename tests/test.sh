#!/usr/bin/env bash
# The project's test command (README): builds the solution, runs every test, and ends with the
# plain line "N passed, N failed" read from the test results. Extra arguments go to dotnet test
# (e.g. --filter FullyQualifiedName~Golden).
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet test Provisioner.sln -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
code=$?
counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -n 1)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
if [ -z "$passed" ]; then
  echo "no test results were written" >&2
  exit 1
fi
echo "${passed} passed, ${failed} failed"
exit "$code"
