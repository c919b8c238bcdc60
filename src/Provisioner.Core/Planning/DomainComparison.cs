using System.Globalization;
using System.Xml.Linq;

namespace Provisioner.Core.Planning;

/// <summary>
/// Compares the domain XML we render with the one libvirt holds, by meaning: libvirt adds
/// defaults, PCI addresses, aliases, controllers and a normalised memory unit, none of which is
/// a difference. What we set is compared field by field, and each difference is classified:
/// a different UUID under the same name means another machine (replace, never silently);
/// title and description change in place; anything else takes effect at the next start.
/// </summary>
public static class DomainComparison
{
    public sealed record Result(bool SameIdentity, IReadOnlyList<string> NeedRestart, IReadOnlyList<string> InPlace)
    {
        public bool Same => SameIdentity && NeedRestart.Count == 0 && InPlace.Count == 0;
    }

    public static Result Compare(string desiredXml, string actualXml)
    {
        var desired = XDocument.Parse(desiredXml).Root!;
        var actual = XDocument.Parse(actualXml).Root!;
        var restart = new List<string>();
        var inPlace = new List<string>();
        void Field(string what, string? want, string? have, List<string> into)
        {
            if (!string.Equals(want ?? "", have ?? "", StringComparison.Ordinal))
            {
                into.Add($"{what} {Show(have)} -> {Show(want)}");
            }
        }

        var sameIdentity = Text(desired, "uuid") == Text(actual, "uuid");
        Field("type", (string?)desired.Attribute("type"), (string?)actual.Attribute("type"), restart);
        Field("memory", MemoryKib(desired.Element("memory")), MemoryKib(actual.Element("memory")), restart);
        Field("vcpus", Text(desired, "vcpu"), Text(actual, "vcpu"), restart);
        Field("vCPU placement", (string?)desired.Element("vcpu")?.Attribute("cpuset"), (string?)actual.Element("vcpu")?.Attribute("cpuset"), restart);
        Field("memory node", (string?)desired.Element("numatune")?.Element("memory")?.Attribute("nodeset"), (string?)actual.Element("numatune")?.Element("memory")?.Attribute("nodeset"), restart);
        Field("hugepages", (desired.Element("memoryBacking")?.Element("hugepages") is not null).ToString(), (actual.Element("memoryBacking")?.Element("hugepages") is not null).ToString(), restart);
        Field("loader", Text(desired.Element("os"), "loader"), Text(actual.Element("os"), "loader"), restart);
        Field("nvram", Text(desired.Element("os"), "nvram"), Text(actual.Element("os"), "nvram"), restart);
        Field("disks", Disks(desired), Disks(actual), restart);
        Field("network", Interfaces(desired), Interfaces(actual), restart);
        Field("GPU functions", Hostdevs(desired), Hostdevs(actual), restart);
        Field("console", Graphics(desired), Graphics(actual), restart);
        Field("title", Text(desired, "title"), Text(actual, "title"), inPlace);
        Field("description", Text(desired, "description"), Text(actual, "description"), inPlace);
        return new Result(sameIdentity, restart, inPlace);
    }

    private static string Show(string? value) => string.IsNullOrEmpty(value) ? "(none)" : value.Length > 80 ? value[..77] + "..." : value;

    private static string? Text(XElement? parent, string name) => parent?.Element(name)?.Value.Trim();

    private static string? MemoryKib(XElement? memory)
    {
        if (memory is null || !long.TryParse(memory.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var factor = ((string?)memory.Attribute("unit") ?? "KiB") switch
        {
            "b" or "bytes" => 1.0 / 1024,
            "KiB" or "k" => 1,
            "MiB" or "M" => 1024,
            "GiB" or "G" => 1024 * 1024,
            "TiB" or "T" => 1024.0 * 1024 * 1024,
            _ => 1,
        };
        return ((long)(value * factor)).ToString(CultureInfo.InvariantCulture) + " KiB";
    }

    private static string Disks(XElement domain) => string.Join(", ", Devices(domain, "disk")
        .Select(d => $"{(string?)d.Attribute("device")} {(string?)d.Element("target")?.Attribute("dev")}={(string?)d.Element("source")?.Attribute("file")}")
        .Order(StringComparer.Ordinal));

    private static string Interfaces(XElement domain) => string.Join(", ", Devices(domain, "interface")
        .Select(i => $"{((string?)i.Element("mac")?.Attribute("address"))?.ToLowerInvariant()} on {(string?)i.Element("source")?.Attribute("bridge")}")
        .Order(StringComparer.Ordinal));

    private static string Hostdevs(XElement domain) => string.Join(", ", Devices(domain, "hostdev")
        .Select(h => h.Element("source")?.Element("address"))
        .Where(a => a is not null)
        .Select(a => string.Create(CultureInfo.InvariantCulture, $"{Hex(a!, "domain"):x4}:{Hex(a!, "bus"):x2}:{Hex(a!, "slot"):x2}.{Hex(a!, "function"):x1}"))
        .Order(StringComparer.Ordinal));

    private static string Graphics(XElement domain) => string.Join(", ", Devices(domain, "graphics")
        .Select(g => $"{(string?)g.Attribute("type")} on {(string?)g.Attribute("listen") ?? (string?)g.Element("listen")?.Attribute("address")}"));

    private static IEnumerable<XElement> Devices(XElement domain, string kind) => domain.Element("devices")?.Elements(kind) ?? [];

    private static int Hex(XElement address, string attribute)
    {
        var text = (string?)address.Attribute(attribute) ?? "0";
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : int.Parse(text, CultureInfo.InvariantCulture);
    }
}
