using Provisioner.Core.Desired;

namespace Provisioner.Remote.Facts;

/// <summary>What a probe asks about besides the host itself: the managed paths, packages and services.</summary>
public sealed record ProbeScope(IReadOnlyList<string> Paths, IReadOnlyList<string> Packages, IReadOnlyList<string> Services)
{
    /// <summary>Everything any of <paramref name="states"/> manages (one host rendered for each OS it may run).</summary>
    public static ProbeScope For(params IEnumerable<HostDesiredState> states)
    {
        var list = states.ToList();
        return new([.. list.SelectMany(s => s.Files.Select(f => f.Path)).Distinct()], [.. list.SelectMany(s => s.Packages).Distinct()],
            [.. list.SelectMany(s => s.Services).Distinct()]);
    }
}
