using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Desired;

/// <summary>The devices vfio-pci must own after boot: by id in modprobe.d, verified per function.</summary>
public sealed record VfioBinding(IReadOnlyList<string> Ids, IReadOnlyList<PciAddress> Functions);
