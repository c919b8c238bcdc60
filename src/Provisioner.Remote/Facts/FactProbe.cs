using System.Text;
using Provisioner.Core.Facts;
using Provisioner.Core.Shell;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Facts;

/// <summary>
/// Gathers a host's facts in ONE command over the host's one connection: a POSIX sh script that
/// prints tab-separated records (parsed by <see cref="FactsParser"/>). Shell builtins read the
/// sysfs files so a host with hundreds of PCI devices costs no fork per file.
/// </summary>
public static class FactProbe
{
    private static readonly string[] WatchedModules =
        ["nouveau", "nvidia", "nvidiafb", "snd_hda_intel", "vfio", "vfio_pci", "vfio_iommu_type1", "kvm", "kvm_intel", "kvm_amd"];

    public static async Task<HostFacts> ProbeAsync(IHostShell connection, ProbeScope scope, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await connection.RunScriptAsync(Script(scope), sudo, timeout, cancellationToken).ConfigureAwait(false);
        try
        {
            return FactsParser.Parse(result.Stdout);
        }
        catch (FormatException e)
        {
            throw new RemoteException(connection.HostName, $"fact probe failed (exit {result.ExitCode}): {e.Message} {result.Stderr.Trim()}",
                sudo ? "the login user needs passwordless sudo ('sudo -n true' must succeed)" : "check that the host has a POSIX sh and coreutils", e);
        }
    }

    /// <summary>The probe script, as shipped beside this file (probe.sh), with no values filled in.</summary>
    public static string Template { get; } = Resource("probe.sh");

    /// <summary>The deep part (probe-deep.sh): check and discover only, in place of @DEEP@.</summary>
    public static string DeepTemplate { get; } = Resource("probe-deep.sh");

    public static string Script(ProbeScope scope)
    {
        var services = string.Join(' ', scope.Services.Select(s => ShellQuote.Quote(s.Contains('.', StringComparison.Ordinal) ? s : s + ".service")));
        // A file whose sum is one we would write is not sent back: nothing to diff.
        var known = string.Join('|', (scope.DesiredSums ?? new Dictionary<string, IReadOnlyList<string>>())
            .SelectMany(p => p.Value.Select(sum => ShellQuote.Quote(p.Key + " " + sum))).DefaultIfEmpty("''"));
        return new StringBuilder(Template)
            .Replace("@PATHS@", string.Join(' ', scope.Paths.Select(ShellQuote.Quote)))
            .Replace("@KNOWN@", known)
            .Replace("@MODULES@", string.Join(' ', WatchedModules))
            .Replace("@EXISTS@", string.Join(' ', scope.Exists.Select(ShellQuote.Quote)))
            .Replace("@PACKAGES@", string.Join(' ', scope.Packages.Select(ShellQuote.Quote)))
            .Replace("@HAS_SERVICES@", scope.Services.Count > 0 ? "command -v systemctl >/dev/null" : "false")
            .Replace("@SERVICES@", services)
            .Replace("@DEEP@", scope.Deep ? DeepTemplate : "")
            .ToString();
    }

    private static string Resource(string name)
    {
        using var stream = typeof(FactProbe).Assembly.GetManifestResourceStream("Provisioner.Remote.Facts." + name)
            ?? throw new InvalidOperationException($"the probe script {name} is not embedded in Provisioner.Remote");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }
}
