namespace Provisioner.Core.Facts;

/// <summary>
/// One line of `lspci -Dmm`: the address, then quoted fields (class, vendor, device, ...) with
/// options like "-p00" between them. The names come from the host's own pci.ids.
/// </summary>
public static class LspciMachine
{
    public static (string Address, PciNameFacts Names)? Parse(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return null;
        }

        var quoted = new List<string>();
        for (var i = space; i < line.Length; i++)
        {
            if (line[i] != '"')
            {
                continue;
            }

            var end = line.IndexOf('"', i + 1);
            if (end < 0)
            {
                break;
            }

            quoted.Add(line[(i + 1)..end]);
            i = end;
        }

        return quoted.Count >= 3 ? (line[..space], new PciNameFacts(quoted[0], quoted[1], quoted[2])) : null;
    }
}
