using Provisioner.Core.Diagnostics;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>The inventory (null when any error was found) and every diagnostic, sorted.</summary>
public sealed record LoadResult(Model.Inventory? Inventory, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Succeeded => Inventory is not null;
}
