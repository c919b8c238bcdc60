using System.Text.Json;
using Provisioner.Core.Facts;

namespace Provisioner.Tests.Support;

/// <summary>
/// A real machine as the lab twins it: its owner's published dump (tests/Provisioner.Tests/Fixtures/realhw/dumps) through
/// the converter (tests/lab/twin.sh), and the facts the probe would read from it with its IOMMU
/// on, as it was when the owner listed its groups.
/// </summary>
public static class Twin
{
    // One twin.sh run per dump and test process: Devices, Drivers and Profile of one dump all read the same text.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> Texts = new(StringComparer.Ordinal);

    /// <summary>The profile twin.sh writes for that dump, as text (what `lab.sh up N FILE` boots).</summary>
    public static string ProfileText(string prefix) => Texts.GetOrAdd(prefix, p => new Lazy<string>(() => Convert(p))).Value;

    private static string Convert(string prefix)
    {
        var run = ExternalTool.Run("bash", Repo.Path("tests", "lab", "twin.sh"), Repo.RealHardwareDump(prefix));
        Assert.True(run.ExitCode == 0, "twin.sh failed: " + run);
        return run.Stdout;
    }

    /// <summary>The profile twin.sh writes for that dump (JSON).</summary>
    public static JsonElement Profile(string prefix)
    {
        using var document = JsonDocument.Parse(ProfileText(prefix));
        return document.RootElement.Clone();
    }

    public static IReadOnlyList<PciDeviceFacts> Devices(string prefix) =>
        [.. Profile(prefix).GetProperty("devices").EnumerateArray().Select(d => new PciDeviceFacts(
            d.GetProperty("bdf").GetString()!,
            d.GetProperty("id").GetString()!,
            d.GetProperty("class").GetString()!,
            d.GetProperty("host_driver").GetString(),
            d.TryGetProperty("group", out var group) ? group.GetInt32() : null,
            d.GetProperty("numa").GetInt32()))];

    /// <summary>The drivers the twin's kernel has, as the probe reads them (driver, module, built in); a driver without a module in the profile has no module link.</summary>
    public static IReadOnlyDictionary<string, PciDriverFacts> Drivers(string prefix) =>
        Profile(prefix).GetProperty("devices").EnumerateArray()
            .Where(d => d.GetProperty("host_driver").GetString() is not null && d.TryGetProperty("module", out var m) && m.ValueKind == JsonValueKind.String)
            .Select(d => new PciDriverFacts(d.GetProperty("host_driver").GetString()!, d.GetProperty("module").GetString()!,
                d.TryGetProperty("builtin", out var b) && b.GetBoolean()))
            .DistinctBy(d => d.Driver)
            .ToDictionary(d => d.Driver, StringComparer.Ordinal);
}
