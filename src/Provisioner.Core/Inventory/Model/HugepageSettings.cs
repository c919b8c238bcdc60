using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>Hugepages reserved on the host; <see cref="Count"/> is already resolved from 'auto'.</summary>
public sealed record HugepageSettings(ByteSize PageSize, long Count)
{
    public bool IsGigantic => PageSize.Bytes == ByteSize.GiB;
}
