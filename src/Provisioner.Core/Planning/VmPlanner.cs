using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>What apply must do for one worker VM. Pure data, from <see cref="VmPlanner"/>.</summary>
public sealed record VmWork(
    VmDesiredState Vm,
    bool FetchImage,
    IReadOnlyList<VmDisk> CreateDisks,
    bool BuildSeed,
    bool Define,
    bool Restart,
    bool Start,
    bool Autostart)
{
    /// <summary>Deliberate replacement (--recreate): the old domain is destroyed and undefined first.</summary>
    public bool Replace { get; init; }

    /// <summary>With <see cref="Replace"/>: the old disks that exist, moved aside (or deleted with --delete-disks).</summary>
    public IReadOnlyList<VmDisk> RetireDisks { get; init; } = [];

    public bool DeleteDisks { get; init; }

    public bool Any => Replace || FetchImage || CreateDisks.Count > 0 || BuildSeed || Define || Restart || Start || Autostart;
}

/// <summary>VMs to replace on purpose (`--recreate NAME`), and whether their old disks go too (`--delete-disks`; else they are kept beside).</summary>
public sealed record VmReplacement(IReadOnlySet<string> Names, bool DeleteDisks)
{
    public static VmReplacement None { get; } = new(new HashSet<string>(), false);

    /// <summary>--recreate NAMES (comma-separated) [--delete-disks]; none given is <see cref="None"/>.</summary>
    public static VmReplacement Parse(string? names, bool deleteDisks) => string.IsNullOrWhiteSpace(names)
        ? None
        : new VmReplacement(names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal), deleteDisks);

    /// <summary>The first name that is no worker VM of <paramref name="inventory"/>, or null when every name is one.</summary>
    public string? Unknown(Inventory.Model.Inventory inventory)
    {
        var vms = inventory.Hosts.SelectMany(h => h.Gpus.Select(g => g.Vm.Name)).ToHashSet(StringComparer.Ordinal);
        return Names.Order(StringComparer.Ordinal).FirstOrDefault(n => !vms.Contains(n));
    }
}

/// <summary>
/// The worker VMs of a host × its facts → what to do for each, and how the plan shows it: the
/// base image fetched once, disks created only when missing (an existing disk is never touched),
/// the seed rebuilt when its documents changed (a new instance-id), the domain defined when
/// missing or different by meaning (<see cref="DomainComparison"/>), restarted when a change
/// only takes effect at boot, started and set to autostart. Pure.
/// </summary>
public static class VmPlanner
{
    public static (IReadOnlyList<VmWork> Work, IReadOnlyList<PlannedChange> Changes, IReadOnlyList<Finding> Findings) Plan(HostDesiredState desired, HostFacts facts, VmReplacement? replacement = null)
    {
        replacement ??= VmReplacement.None;
        var work = new List<VmWork>();
        var changes = new List<PlannedChange>();
        var findings = new List<Finding>();
        var fetched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rendered in desired.Vms)
        {
            // The domain as it will be defined: pinned to its GPU's NUMA node where the facts say which.
            var (placed, note) = NumaPlacement.Place(rendered, facts);
            var vm = rendered with { Domain = rendered.Domain with { Xml = placed } };
            if (note is not null)
            {
                findings.Add(new(false, note, "check /sys/bus/pci/devices/ADDRESS/numa_node and /sys/devices/system/node/node*/cpulist on the host, or set vm.numa: none"));
            }

            var name = vm.Vm.Name;
            var replace = replacement.Names.Contains(name);
            var retire = replace ? vm.Disks.Where(d => facts.ExistingPaths.Contains(d.Path)).ToList() : [];
            var existing = replace ? facts.ExistingPaths.Except(vm.Disks.Select(d => d.Path)).ToHashSet(StringComparer.Ordinal) : facts.ExistingPaths;
            var current = facts.Domains?.FirstOrDefault(d => d.Name == name);
            if (replace)
            {
                if (current is not null)
                {
                    changes.Add(new(ChangeAction.Delete, "domain", name, $"--recreate: destroy and undefine (UUID {current.Uuid}, nvram included), then define anew", null, false));
                }

                changes.AddRange(retire.Select(d => new PlannedChange(ChangeAction.Delete, "disk", d.Path,
                    replacement.DeleteDisks ? "--recreate --delete-disks: deleted" : "--recreate: kept beside as " + d.Path + ".replaced-RUN", null, false)));
                facts = facts with { ExistingPaths = existing, Domains = facts.Domains?.Where(d => d.Name != name).ToList() };
            }

            var fetch = !facts.ExistingPaths.Contains(vm.BaseImage.CachePath) && vm.Disks.Any(d => d.FromBaseImage && !facts.ExistingPaths.Contains(d.Path));
            if (fetch && fetched.Add(vm.BaseImage.CachePath))
            {
                changes.Add(new(ChangeAction.Create, "base-image", vm.BaseImage.CachePath, $"download {vm.BaseImage.Url}, refused unless its sha256 is {vm.BaseImage.Sha256}", null, false));
            }

            var disks = vm.Disks.Where(d => !facts.ExistingPaths.Contains(d.Path)).ToList();
            changes.AddRange(disks.Select(d => new PlannedChange(ChangeAction.Create, "disk", d.Path,
                $"{d.Role} disk of {name}, {d.Size}" + (d.FromBaseImage ? ", from the base image" : ", empty"), null, false)));

            var seedChanges = VmFiles.Seed(vm).Select(f => FileComparison.Compare(f, facts.Files.GetValueOrDefault(f.Path))).Where(c => c.Action != ChangeAction.NoOp).ToList();
            var isoMissing = !facts.ExistingPaths.Contains(vm.Seed.IsoPath);
            var buildSeed = isoMissing || seedChanges.Count > 0;
            if (buildSeed)
            {
                var fresh = isoMissing && seedChanges.All(c => c.Action == ChangeAction.Create);
                var what = fresh ? "new" : "changed: " + string.Join(", ", seedChanges.Select(c => c.Id[(c.Id.LastIndexOf('/') + 1)..]).DefaultIfEmpty("ISO missing"));
                changes.Add(new(fresh ? ChangeAction.Create : ChangeAction.Update, "seed", vm.Seed.IsoPath,
                    $"cloud-init NoCloud seed of {name} ({what}), instance-id {vm.Seed.InstanceId}", fresh && !vm.Seed.Sensitive ? vm.Seed.UserData : null, vm.Seed.Sensitive));
            }

            var domain = facts.Domains?.FirstOrDefault(d => d.Name == name);
            bool define, restart = false, start, autostart;
            if (domain is null)
            {
                define = true;
                start = true;
                autostart = true;
                changes.Add(new(ChangeAction.Create, "domain", name, $"{Describe(vm)}; define, start, autostart (UUID {vm.Domain.Uuid})"
                    + (facts.Domains is null && !facts.IsUnread ? "; libvirt not read (no daemon yet)" : ""), vm.Domain.Xml, false));
            }
            else
            {
                var comparison = DomainComparison.Compare(vm.Domain.Xml, domain.Xml);
                if (!comparison.SameIdentity)
                {
                    findings.Add(new(true, $"a domain named {name} already exists with UUID {domain.Uuid}, not {vm.Domain.Uuid}: it is another machine",
                        $"rename one of them (vm.name), or remove the old domain deliberately (virsh undefine {name} --nvram) after saving its disks"));
                    continue;
                }

                define = !comparison.Same;
                var running = domain.State == "running";
                restart = running && (comparison.NeedRestart.Count > 0 || (buildSeed && !isoMissing));
                start = !running;
                autostart = !domain.Autostart;
                if (define)
                {
                    var what = string.Join("; ", comparison.NeedRestart.Concat(comparison.InPlace));
                    changes.Add(new(ChangeAction.Update, "domain", name, "redefine: " + what
                        + (comparison.NeedRestart.Count > 0 ? running ? " (needs restart)" : " (takes effect at start)" : " (in place)"), null, false));
                }
            }

            if (restart || (start && domain is not null) || (autostart && domain is not null))
            {
                var actions = new List<string>();
                if (restart)
                {
                    actions.Add("restart: " + (buildSeed && !isoMissing ? "the seed changed" : "the definition changed") + " (graceful shutdown, then start)");
                }
                else if (start)
                {
                    actions.Add($"start (it is {domain!.State})");
                }

                if (autostart)
                {
                    actions.Add("enable autostart");
                }

                changes.Add(new(ChangeAction.Run, "vm", name, string.Join("; ", actions), null, false));
            }

            var item = new VmWork(vm, fetch, disks, buildSeed, define, restart, start, autostart)
            {
                Replace = replace && current is not null,
                RetireDisks = retire,
                DeleteDisks = replacement.DeleteDisks,
            };
            if (item.Any)
            {
                work.Add(item);
            }
        }

        return (work, changes, findings);
    }

    /// <summary>A new VM in one line: its size, its GPU's functions and its MAC.</summary>
    private static string Describe(VmDesiredState vm) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{vm.Vm.Vcpus} vCPU, {vm.Vm.Memory}{(vm.Vm.HugepageBacked ? " on hugepages" : "")}, GPU {string.Join(" + ", vm.Gpu.Functions.Select(f => f.Address))}, MAC {vm.Vm.Network.Mac}");
}
