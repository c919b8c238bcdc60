#!/usr/bin/env bash
# Builds Provisioner's release artifacts into OUTDIR, from the commit checked out (a clean tree):
#   provision-VERSION-linux-x64            the CLI, one self-contained file (no .NET needed), ReadyToRun
#   provision-worker-VERSION-linux-x64.tar.gz   the worker agent for the VMs' installer (worker.agent):
#                                          one directory holding the self-contained provision-worker
#   provision.VERSION.nupkg                the CLI as a dotnet tool:
#                                          dotnet tool install -g provision --add-source OUTDIR
#   *.sha256 beside each, and SHA256SUMS   what worker.agent.sha256 and a download check want
# Reproducible: the same commit gives the same bytes (deterministic builds, tar and gzip without
# times or owners; SOURCE_DATE_EPOCH is the commit's time).
#   tools/release.sh OUTDIR
set -euo pipefail
out=${1:?usage: tools/release.sh OUTDIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(dotnet msbuild src/Provisioner.Cli -getProperty:Version)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Deterministic and path-independent (no build machine paths in the binaries).
# Built under $work, apart from the tree's own bin/ and obj/ (a test may be running from them).
# PathMap: the binaries name their PDBs by path; the temporary directory must not show in them
# (the sources map to /_/ through ContinuousIntegrationBuild).
common=(-c Release -p:ContinuousIntegrationBuild=true -p:Deterministic=true --artifacts-path "$work/artifacts" "-p:PathMap=$work=/_release")

echo "release $version ($(git rev-parse --short HEAD)) into $out" >&2
dotnet publish src/Provisioner.Cli "${common[@]}" -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -o "$work/cli" >&2
cp "$work/cli/provision" "$out/provision-$version-linux-x64"

dotnet publish src/Provisioner.Worker "${common[@]}" -r linux-x64 --self-contained \
  -p:PublishReadyToRun=true -o "$work/provision-worker-$version" >&2
rm -f "$work/provision-worker-$version"/*.pdb
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$work" \
  -cf - "provision-worker-$version" | gzip -9 -n > "$out/provision-worker-$version-linux-x64.tar.gz"

dotnet pack src/Provisioner.Cli "${common[@]}" -o "$work/pack" >&2
# NuGet stamps each zip entry with its file's build time: rewrite the entries, same order and
# bytes, with the commit's time, so the package is as reproducible as what it holds.
python3 - "$work/pack/provision.$version.nupkg" "$out/provision.$version.nupkg" "$SOURCE_DATE_EPOCH" <<'PY'
import sys, time, zipfile
source, target, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip times start in 1980
with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
    for entry in old.infolist():
        fixed = zipfile.ZipInfo(entry.filename, stamp)
        fixed.external_attr, fixed.compress_type = entry.external_attr, zipfile.ZIP_DEFLATED
        new.writestr(fixed, old.read(entry), compresslevel=9)
PY

cd "$out"
files=("provision-$version-linux-x64" "provision-worker-$version-linux-x64.tar.gz" "provision.$version.nupkg")
for f in "${files[@]}"; do
  sha256sum "$f" > "$f.sha256"
done
sha256sum "${files[@]}" > SHA256SUMS
cat SHA256SUMS
