using Provisioner.Core.Facts;
using Provisioner.Core.Planning;

namespace Provisioner.Core.Checks;

/// <summary>What else on a host's command line works against its worker VMs: read from what runs now and what the next boot gets.</summary>
public static class CmdlineChecks
{
    public static readonly CheckDefinition Hazards = new("cmdline-hazards", "Nothing on the command line works against the VMs (pci=nomsi, isolcpus under a pinned VM)", CheckStatus.Warn,
        "take the argument out of GRUB_CMDLINE_LINUX / GRUB_CMDLINE_LINUX_DEFAULT unless the host needs it for another reason, regenerate GRUB and reboot",
        "`pci=nomsi` turns MSI off for every device: a passed-through GPU then shares a legacy INTx line, which is slow and often broken under vfio. `isolcpus=` takes CPUs away from the scheduler's balancing: a VM pinned to its GPU's NUMA node whose CPUs are isolated gets its vCPUs stuck where nothing balances them.")
    { Preflight = true };

    public static IEnumerable<CheckOutcome> EvaluateHazards(CheckInput input)
    {
        if (input.Desired.Host.Gpus.Count == 0)
        {
            yield break;
        }

        var facts = input.Facts;
        var words = facts.CmdlineArgs
            .Concat(HostPlanner.NextBootArguments(Desired.OsProfile.For(input.Desired.Os), facts).Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (words.Any(w => w.StartsWith("pci=", StringComparison.Ordinal) && w[4..].Split(',').Contains("nomsi")))
        {
            yield return new(CheckStatus.Warn, "pci=nomsi is on the command line: every passed-through function falls back to legacy INTx interrupts",
                "remove pci=nomsi from the GRUB command line unless a device of the host needs it, then regenerate GRUB and reboot");
        }

        var isolated = words.Where(w => w.StartsWith("isolcpus=", StringComparison.Ordinal)).SelectMany(w => CpuList.Expand(w[9..])).ToHashSet();
        if (isolated.Count > 0 && facts.NumaNodes.Count >= 2)
        {
            foreach (var vm in input.Desired.Vms.Where(v => v.Vm.NumaPlacement))
            {
                var node = facts.Device(vm.Gpu.Address.ToString()) is { } gpu ? facts.NumaNodes.FirstOrDefault(n => n.Node == gpu.NumaNode) : null;
                var overlap = node is null ? [] : CpuList.Expand(node.Cpus).Where(isolated.Contains).ToList();
                if (overlap.Count > 0)
                {
                    yield return new(CheckStatus.Warn, $"{vm.Vm.Name} would be pinned to the CPUs of NUMA node {node!.Node} ({node.Cpus}), and isolcpus isolates {overlap.Count} of them",
                        "leave that node's CPUs out of isolcpus, or set vm.numa: none for these VMs");
                }
            }
        }

        yield return CheckOutcome.Pass("no pci=nomsi, no isolated CPU under a pinned VM");
    }
}
