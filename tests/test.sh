#!/usr/bin/env bash
# The project's test command (README): installs what the tests need (tests/setup.sh: as root on
# Debian/Ubuntu; otherwise it says what is missing), checks the formatting, builds the solution,
# runs every test project, and ends with the plain line "N passed, N failed" summed over all of
# them. Needs root for the lab (docs/lab.md). PROVISION_TEST_SETUP=skip leaves the machine alone.
#
# Without arguments it runs in three phases: the fast suite (every test but the RealKernel and
# FarmEndToEnd categories), then the RealKernel category on its own (tests/qemu-host: a Debian
# host under QEMU's software emulation, ~5 min plus ~3 min to build its image once per cache),
# then FarmEndToEnd (tests/guest: worker VMs of a real guest OS rendering a job from the queue
# onto an NFS share, ~15 min plus ~3 min to build the guest image once per cache). With
# arguments, one run with them passed to dotnet test (e.g. --filter FullyQualifiedName~Golden,
# or --filter Category=FarmEndToEnd).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${PROVISION_TEST_SETUP:-}" != skip ]; then
  if [ "$(id -u)" -eq 0 ]; then
    tests/setup.sh || { echo "tests/test.sh: tests/setup.sh could not install what the tests need (above)" >&2; exit 1; }
  else
    tests/setup.sh --check || { echo "tests/test.sh: run it as root (sudo tests/test.sh) so it can install what is missing" >&2; exit 1; }
  fi
fi
results=$(mktemp -d)
# Run with sudo from a user's clone (as the README says), the build's output (bin/, obj/) would be
# root's afterwards and that user's next plain `dotnet build` could not write there: what this
# run created goes back to them at the end.
marker=$(mktemp)
give_back() {
  if [ -n "${SUDO_UID:-}" ] && [ "$(id -u)" -eq 0 ]; then
    # -cnewer, not -newer: files copied from the NuGet cache keep their packages' old mtimes.
    find . -xdev -user 0 -cnewer "$marker" -exec chown -h "$SUDO_UID:$SUDO_GID" {} + 2>/dev/null || true
  fi
  rm -rf "$results" "$marker"
}
trap give_back EXIT
code=0
# Formatting is part of the suite: the tree must be as 'dotnet format' leaves it.
if ! dotnet format Provisioner.sln --verify-no-changes; then
  echo "dotnet format --verify-no-changes: the files above are not formatted (run 'dotnet format')" >&2
  code=1
fi
if [ "$#" -gt 0 ]; then
  dotnet test Provisioner.sln -c Release --logger trx --results-directory "$results" "$@" || code=$?
else
  dotnet test Provisioner.sln -c Release --logger trx --results-directory "$results" --filter "Category!=RealKernel&Category!=FarmEndToEnd" || code=$?
  # The image is built outside any test's clock (a no-op when the cache has it, as after setup).
  if ! tests/qemu-host/image.sh build >/dev/null; then
    echo "the real-kernel host image could not be built (tests/qemu-host/image.sh build)" >&2
    code=1
  fi
  dotnet test tests/Provisioner.IntegrationTests -c Release --no-build --logger trx --results-directory "$results/real-kernel" \
    --filter "Category=RealKernel" || code=$?
  if ! tests/guest/image.sh build >/dev/null; then
    echo "the worker VMs' guest image could not be built (tests/guest/image.sh build)" >&2
    code=1
  fi
  dotnet test tests/Provisioner.IntegrationTests -c Release --no-build --logger trx --results-directory "$results/farm-end-to-end" \
    --filter "Category=FarmEndToEnd" || code=$?
fi
passed=0 failed=0 files=0
for trx in "$results"/*.trx "$results"/real-kernel/*.trx "$results"/farm-end-to-end/*.trx; do
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
