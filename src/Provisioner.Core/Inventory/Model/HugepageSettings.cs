using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Model;

/// <summary>Hugepages reserved on the host; <see cref="Count"/> is already resolved from 'auto'.</summary>
public sealed record HugepageSettings(ByteSize PageSize, long Count)
{
    public bool IsGigantic => PageSize.Bytes == ByteSize.GiB;

    /// <summary>The pages a VM of <paramref name="memory"/> takes (a partial page still takes a whole one).</summary>
    public long PagesFor(ByteSize memory) => (memory.Bytes + PageSize.Bytes - 1) / PageSize.Bytes;

    /// <summary>The directory name sysfs gives this size under hugepages/ (hugepages-1048576kB).</summary>
    public string SysfsName => "hugepages-" + PageSize.KibiBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + "kB";
}
