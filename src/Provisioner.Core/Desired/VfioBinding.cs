using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Desired;

/// <summary>The devices vfio-pci must own after boot: by id (modprobe.d and the command line; none under 'vfio_binding: address') and by address (the initramfs rebind), verified per function.</summary>
public sealed record VfioBinding(IReadOnlyList<string> Ids, IReadOnlyList<PciAddress> Functions);
