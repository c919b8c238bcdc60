using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Binding;

namespace Provisioner.Core.Inventory.Dto;

/// <summary>
/// Base of every inventory DTO. DTOs are mutable only while the binder fills them; the mapper
/// turns them into immutable model records. Scalars stay <see cref="Yaml.YamlScalar"/> so each
/// value keeps its file:line:col until it has been checked.
/// </summary>
public abstract class Dto
{
    /// <summary>Where the mapping starts (for "missing key" diagnostics).</summary>
    [NotAKey]
    public SourceLocation? Location { get; set; }
}
