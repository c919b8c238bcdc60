using Provisioner.Worker.Telemetry;

namespace Provisioner.Worker.Rendering;

/// <summary>The VM's card as its driver names it: model, driver version and, where the driver can say, compute capability.</summary>
public sealed record GpuIdentity(string Name, DriverVersion Driver, string? ComputeCapability)
{
    /// <summary>The compute capability nvidia-smi gave, else the one the model's name implies (older drivers cannot say).</summary>
    public string? Architecture => ComputeCapability ?? GpuArchitectures.FromName(Name);

    public override string ToString() => $"{Name}, driver {Driver}" + (Architecture is { } cc ? $", compute {cc}" : "");
}

/// <summary>
/// Reads <see cref="GpuIdentity"/> in two calls: <c>--query-gpu=name,driver_version</c>, which every
/// driver answers, then <c>compute_cap</c> alone, because drivers before the R510 branch refuse
/// that field (<c>Field "compute_cap" is not a valid field to query.</c>, exit 2) and a combined
/// query would then lose the driver version, the one figure an old driver's refusal needs.
/// </summary>
public static class DriverQuery
{
    public static IReadOnlyList<string> NameAndDriver { get; } = ["--query-gpu=name,driver_version", "--format=csv,noheader"];

    public static IReadOnlyList<string> ComputeCapability { get; } = ["--query-gpu=compute_cap", "--format=csv,noheader"];

    /// <summary>The card, or why nvidia-smi could not say.</summary>
    public static async Task<(GpuIdentity? Gpu, string? Problem)> ReadAsync(string nvidiaSmi, CancellationToken cancellationToken)
    {
        var tool = new NvidiaSmi(nvidiaSmi);
        var first = await tool.RunAsync(NameAndDriver, cancellationToken).ConfigureAwait(false);
        if (first.StartFailure is { } why)
        {
            // A VM with no NVIDIA driver has no nvidia-smi at all: GPU work is refused, CPU tasks still run.
            return (null, $"nvidia-smi could not start ({why}): no NVIDIA driver in this VM");
        }

        if (first.ExitCode != 0)
        {
            return (null, $"nvidia-smi could not name the GPU and its driver ({first.Text.Trim()})");
        }

        var capability = await tool.RunAsync(ComputeCapability, cancellationToken).ConfigureAwait(false);
        return Parse(first.Text, capability.ExitCode == 0 ? capability.Text : null);
    }

    /// <summary>"NVIDIA A100-SXM4-40GB, 470.57.02" and, when answered, "8.0".</summary>
    public static (GpuIdentity? Gpu, string? Problem) Parse(string nameAndDriver, string? computeCapability)
    {
        var row = nameAndDriver.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var comma = row.LastIndexOf(',');
        if (comma < 0 || DriverVersion.TryParse(row[(comma + 1)..].Trim()) is not { } driver)
        {
            return (null, $"nvidia-smi's answer '{row}' is not 'NAME, DRIVER_VERSION'");
        }

        var cc = computeCapability?.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return (new GpuIdentity(row[..comma].Trim(), driver, cc is { Length: > 0 } && cc.All(c => char.IsAsciiDigit(c) || c == '.') ? cc : null), null);
    }
}

/// <summary>An NVIDIA driver version such as 470.57.02 or 535.104.05, compared part by part as numbers, shown as the driver wrote it.</summary>
public sealed class DriverVersion
{
    private readonly int[] parts;
    private readonly string text;

    private DriverVersion(string text, int[] parts)
    {
        this.text = text;
        this.parts = parts;
    }

    public static DriverVersion? TryParse(string text)
    {
        var pieces = text.Split('.');
        return pieces.All(p => p.Length is > 0 and <= 6 && p.All(char.IsAsciiDigit))
            ? new DriverVersion(text, [.. pieces.Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))])
            : null;
    }

    public static DriverVersion Of(string text) => TryParse(text) ?? throw new ArgumentException($"'{text}' is not a driver version", nameof(text));

    /// <summary>Oldest first.</summary>
    public static IComparer<DriverVersion> Order { get; } = Comparer<DriverVersion>.Create((a, b) => a.CompareTo(b));

    public int CompareTo(DriverVersion other)
    {
        for (var i = 0; i < Math.Max(parts.Length, other.parts.Length); i++)
        {
            var difference = parts.ElementAtOrDefault(i).CompareTo(other.parts.ElementAtOrDefault(i));
            if (difference != 0)
            {
                return difference;
            }
        }

        return 0;
    }

    public bool IsOlderThan(DriverVersion other) => CompareTo(other) < 0;

    public override string ToString() => text;
}
