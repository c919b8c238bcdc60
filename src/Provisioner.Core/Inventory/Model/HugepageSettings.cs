using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>Hugepages reserved on the host; <see cref="Count"/> is already resolved from 'auto'.</summary>
public sealed record HugepageSettings(ByteSize PageSize, long Count)
{
    public bool IsGigantic => PageSize.Bytes == ByteSize.GiB;

    /// <summary>The pages of <paramref name="pageSize"/> a VM of <paramref name="memory"/> takes (a partial page still takes a whole one).</summary>
    public static long PagesFor(ByteSize memory, ByteSize pageSize) => (memory.Bytes + pageSize.Bytes - 1) / pageSize.Bytes;
}
