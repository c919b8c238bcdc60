using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Core.Text;

namespace Provisioner.Remote.Facts;

/// <summary>
/// What a probe asks about besides the host itself: the managed paths, packages and services.
/// <see cref="DesiredSums"/> holds, per path, the sha256 of each content we may want there: a file
/// that already has one of them is not sent back (nothing to diff), so a converged host's probe
/// carries no file content at all.
/// </summary>
public sealed record ProbeScope(
    IReadOnlyList<string> Paths,
    IReadOnlyList<string> Packages,
    IReadOnlyList<string> Services,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? DesiredSums = null)
{
    /// <summary>Paths asked about for existence only (base images, VM disks, seed ISOs).</summary>
    public IReadOnlyList<string> Exists { get; init; } = [];

    /// <summary>Also read what only check and discover need: the initramfs's content, lspci's names, NICs (costs a decompression).</summary>
    public bool Deep { get; init; }

    /// <summary>Everything any of <paramref name="states"/> manages (one host rendered for each OS it may run).</summary>
    public static ProbeScope For(params IEnumerable<HostDesiredState> states)
    {
        var list = states.ToList();
        var files = list.SelectMany(s => s.Files.Concat(s.Vms.SelectMany(VmFiles.Seed))).ToList();
        return new([.. files.Select(f => f.Path).Distinct()], [.. list.SelectMany(s => s.Packages).Distinct()],
            [.. list.SelectMany(s => s.Services).Distinct()],
            files.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key,
                g => (IReadOnlyList<string>)[.. g.Select(f => Sha256Text.Hex(f.Content)).Distinct()], StringComparer.Ordinal))
        {
            Exists = [.. list.SelectMany(s => s.Vms.SelectMany(VmFiles.ExistencePaths)).Distinct()],
        };
    }
}
