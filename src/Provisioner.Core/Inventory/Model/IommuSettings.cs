namespace Provisioner.Core.Inventory.Model;

public sealed record IommuSettings(bool Passthrough, bool AcsOverride);
