using System.Globalization;
using System.Text;
using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Core.Shell;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// The on-disk side of the worker VMs, in one command per host: base images fetched once
/// (resumable, renamed into place only after their sha256 matched), disks created only when
/// missing (never overwritten: a VM's disk is its data), seed ISOs built from the seed files
/// (volume id 'cidata', with genisoimage, xorriso or mkisofs, whichever the host has).
/// Everything is made under a temporary name and renamed, so a cut leaves no half-made file
/// under the real name.
/// </summary>
public static class VmStorage
{
    public static async Task PrepareAsync(SshConnection connection, IReadOnlyList<VmWork> work, string runId, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (work.Count == 0)
        {
            return;
        }

        var result = await connection.RunScriptAsync(Script(work, runId), sudo, timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RemoteException(connection.Target.Name, $"preparing the VM images failed (exit {result.ExitCode}): {result.LastErrorLines()}",
                result.ExitCode == 42 ? "the downloaded image is not the one the inventory names: check vm.image.url and vm.image.sha256"
                    : "fix the cause on the host (disk space, the image URL, genisoimage/xorriso) and re-run apply: finished files are kept");
        }
    }

    public static string Script(IReadOnlyList<VmWork> work, string runId)
    {
        var script = new StringBuilder("set -e\numask 077\n");
        script.Append("""
            fetch() { # URL SHA256 DEST
              [ -e "$3" ] && return 0
              mkdir -p "$(dirname "$3")"
              if command -v curl >/dev/null; then curl -fsSL --retry 3 -C - -o "$3.part" "$1"
              else wget -q -c -O "$3.part" "$1"; fi
              if [ "$(sha256sum < "$3.part" | cut -d' ' -f1)" != "$2" ]; then
                echo "downloaded $1: sha256 $(sha256sum < "$3.part" | cut -d' ' -f1), expected $2: refused" >&2
                rm -f "$3.part"; exit 42
              fi
              mv -f "$3.part" "$3"
            }
            iso() { # DIR OUT
              for tool in genisoimage mkisofs; do
                if command -v $tool >/dev/null; then $tool -quiet -output "$2.part" -volid cidata -joliet -rock "$1/user-data" "$1/meta-data" "$1/network-config"; mv -f "$2.part" "$2"; return 0; fi
              done
              if command -v xorriso >/dev/null; then xorriso -as mkisofs -quiet -output "$2.part" -volid cidata -joliet -rock "$1/user-data" "$1/meta-data" "$1/network-config"; mv -f "$2.part" "$2"; return 0; fi
              echo "no genisoimage, mkisofs or xorriso on this host to build the cloud-init seed" >&2; exit 1
            }
            reach() { # DIR...: the VM's QEMU runs as libvirt-qemu, not root: it must traverse these (umask 077 made them 0700); listing stays private
              for dir in "$@"; do [ -d "$dir" ] && chmod go+x "$dir"; done; return 0
            }

            """);
        foreach (var item in work)
        {
            var vm = item.Vm;
            foreach (var disk in item.RetireDisks)
            {
                // --recreate: the old disk goes aside (kept, named after the run) or, with --delete-disks, away.
                var path = ShellQuote.Quote(disk.Path);
                script.Append(item.DeleteDisks
                    ? $"rm -f {path}\n"
                    : $"[ -e {path} ] && mv -f {path} {ShellQuote.Quote(disk.Path + ".replaced-" + runId)}\n");
            }

            if (item.FetchImage)
            {
                script.Append(CultureInfo.InvariantCulture, $"fetch {ShellQuote.Quote(vm.BaseImage.Url)} {ShellQuote.Quote(vm.BaseImage.Sha256)} {ShellQuote.Quote(vm.BaseImage.CachePath)}\n");
            }

            foreach (var disk in item.CreateDisks)
            {
                var path = ShellQuote.Quote(disk.Path);
                var size = disk.Size.Bytes.ToString(CultureInfo.InvariantCulture);
                script.Append(CultureInfo.InvariantCulture, $"mkdir -p \"$(dirname {path})\"\n");
                script.Append(disk.FromBaseImage
                    ? $"[ -e {path} ] || {{ qemu-img convert -O raw {ShellQuote.Quote(vm.BaseImage.CachePath)} {path}.part && qemu-img resize -q -f raw {path}.part {size} && mv -f {path}.part {path}; }}\n"
                    : $"[ -e {path} ] || {{ truncate -s {size} {path}.part && mv -f {path}.part {path}; }}\n");
            }

            if (item.BuildSeed)
            {
                script.Append(CultureInfo.InvariantCulture, $"iso {ShellQuote.Quote(VmFiles.SeedDirectory(vm))} {ShellQuote.Quote(vm.Seed.IsoPath)}\n");
            }

            // Every time, not only when made: a folder an earlier run left private is fixed by the next.
            script.Append(CultureInfo.InvariantCulture, $"reach {string.Join(' ', VmFiles.QemuFolders(vm).Select(ShellQuote.Quote))}\n");
        }

        script.Append("sync\n");
        return script.ToString();
    }
}
