using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Shell;

namespace Provisioner.Core.Desired;

/// <summary>
/// The commands apply runs for packages and services, per OS family: one table, so the plan
/// shows the command that will really run.
/// </summary>
public static class HostCommands
{
    /// <summary>
    /// Installs packages non-interactively. apt refreshes its lists only when the first attempt
    /// fails (a stale list is the usual cause), so a host with a current cache needs no network
    /// round trip to the mirror.
    /// </summary>
    public static string InstallPackages(OsFamily os, IEnumerable<string> packages)
    {
        var names = string.Join(' ', packages.Select(ShellQuote.Quote));
        // A release package adds a repository (centos-release-qemu-ev: the Virt SIG's): it must be
        // installed before the packages that come from that repository can be found.
        var (releases, rest) = (packages.Where(IsRelease).ToList(), packages.Where(p => !IsRelease(p)).ToList());
        return os switch
        {
            OsFamily.El7 when releases.Count > 0 && rest.Count > 0 => $"yum install -y -q {string.Join(' ', releases.Select(ShellQuote.Quote))} && yum install -y -q {string.Join(' ', rest.Select(ShellQuote.Quote))}",
            OsFamily.El7 => "yum install -y -q " + names,
            OsFamily.El8 or OsFamily.El9 => "dnf install -y -q " + names,
            _ => $"export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q --no-install-recommends {names} || {{ apt-get update -q && apt-get install -y -q --no-install-recommends {names}; }}",
        };
    }

    private static bool IsRelease(string package) => package.StartsWith("centos-release-", StringComparison.Ordinal) || package.EndsWith("-release", StringComparison.Ordinal);

    /// <summary>Enables services for the next boot and starts them now.</summary>
    public static string StartServices(IEnumerable<string> services) =>
        "systemctl enable --now " + string.Join(' ', services.Select(ShellQuote.Quote));
}
