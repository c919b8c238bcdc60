using System.Globalization;
using System.Text;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Shell;

namespace Provisioner.Core.Planning;

/// <summary>
/// The shell form of each host step: ONE definition, sent by apply (over SSH, as a script on
/// stdin) and printed by the runbook for a person to run. A step that apply carries out through
/// libvirt (<see cref="ApplyDomain"/>) has its virsh form here for the runbook only.
/// </summary>
public static class StepScripts
{
    /// <summary>Where apply keeps the previous version of every file it replaces, per run.</summary>
    public const string BackupRoot = "/var/lib/provision/backups";

    public static string Packages(InstallPackages step, OsFamily os) => HostCommands.InstallPackages(os, step.Packages);

    public static string Services(StartServices step) => HostCommands.StartServices(step.Services);

    /// <summary>The trigger's command, or null for one with none of its own (network changes wait for the reboot).</summary>
    public static string? Trigger(RunTrigger step, OsFamily os) => TriggerCommands.Command(step.Trigger, os, HostPaths.Default);

    /// <summary>
    /// Writes each file atomically: content to a temp file in the same directory (a quoted heredoc,
    /// so a person can read it; printf for content without a final newline), mode and owner set on
    /// it, flushed to disk, the previous version copied to BACKUPS/RUN/PATH, then renamed over the
    /// old one. A cut at any point leaves every file old or new, never half-written. Prints
    /// "written PATH" after each, so apply knows how far it got.
    /// </summary>
    public static string WriteFiles(IEnumerable<ManagedFile> files, string runId)
    {
        if (!RunIds.IsValid(runId))
        {
            throw new ArgumentException($"run id '{runId}' must be letters, digits and '-'", nameof(runId));
        }

        var script = new StringBuilder("set -e\numask 077\n");
        var backups = $"{BackupRoot}/{runId}";
        foreach (var file in files)
        {
            var delimiter = "PROVISION_EOF";
            while (file.Content.Contains(delimiter, StringComparison.Ordinal))
            {
                delimiter += "_";
            }

            var write = file.Content.EndsWith('\n')
                ? $"cat > \"$tmp\" <<'{delimiter}'\n{file.Content}{delimiter}\n"
                : $"printf '%s' {ShellQuote.Quote(file.Content)} > \"$tmp\"\n";
            script.Append(CultureInfo.InvariantCulture, $"f={ShellQuote.Quote(file.Path)}; d=$(dirname \"$f\"); mkdir -p \"$d\"\n")
                .Append("tmp=\"$d/.provision-new.$(basename \"$f\")\"\n")
                .Append(write)
                .Append(CultureInfo.InvariantCulture, $"chmod {file.Mode} \"$tmp\"; chown {ShellQuote.Quote(file.Owner + ":" + file.Group)} \"$tmp\"\n")
                .Append("sync \"$tmp\"\n")
                .Append(CultureInfo.InvariantCulture, $"if [ -e \"$f\" ]; then mkdir -p \"{backups}$d\"; cp -p \"$f\" \"{backups}$f\"; fi\n")
                .Append("mv -f \"$tmp\" \"$f\"\n")
                .Append("printf 'written\\t%s\\n' \"$f\"\n\n");
        }

        script.Append("sync\n");
        return script.ToString();
    }

    /// <summary>
    /// The on-disk side of the worker VMs: base images fetched once (resumable, renamed into place
    /// only after their sha256 matched: exit 42 otherwise), disks created only when missing (never
    /// overwritten: a VM's disk is its data), seed ISOs built (volume id 'cidata', with genisoimage,
    /// mkisofs or xorriso, whichever the host has), and the folders libvirt's QEMU must traverse.
    /// Everything is made under a temporary name and renamed. The seed documents themselves are
    /// written first by <see cref="WriteFiles"/>.
    /// </summary>
    public static string VmStorage(IReadOnlyList<VmWork> work, string runId)
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

    /// <summary>Where the runbook keeps a domain's XML for virsh (apply hands it to libvirt directly).</summary>
    public static ManagedFile DomainFile(VmWork work) =>
        new($"/var/lib/provision/domains/{work.Vm.Vm.Name}.xml", work.Vm.Domain.Xml, "0600", "root", "root", false, [], "vm/domain.xml.sbn", $"the libvirt domain of {work.Vm.Vm.Name}");

    /// <summary>The virsh form of <see cref="ApplyDomain"/>, for the runbook: what apply does through our libvirt binding.</summary>
    public static string Domain(ApplyDomain step)
    {
        var name = ShellQuote.Quote(step.Work.Vm.Vm.Name);
        var lines = new List<string>();
        if (step.Work.Define)
        {
            lines.Add("virsh define " + ShellQuote.Quote(DomainFile(step.Work).Path));
        }

        if (step.Work.Restart)
        {
            lines.Add($"virsh shutdown {name}; for i in $(seq 120); do virsh domstate {name} | grep -q 'shut off' && break; sleep 1; done; virsh domstate {name} | grep -q 'shut off' || virsh destroy {name}");
        }

        lines.Add($"virsh autostart {name}");
        lines.Add($"virsh domstate {name} | grep -q running || virsh start {name}");
        return string.Join('\n', lines);
    }
}
