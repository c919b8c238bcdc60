using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Facts;

/// <summary>The OS family a host runs, from /etc/os-release; null when it is none we support.</summary>
public static class OsDetection
{
    public static OsFamily? Family(HostFacts facts)
    {
        var ids = new[] { facts.OsId }.Concat(facts.OsRelease.GetValueOrDefault("ID_LIKE", "").Split(' ')).ToList();
        var major = facts.OsVersionId.Split('.')[0];
        if (ids.Contains("ubuntu"))
        {
            return OsFamily.Ubuntu;
        }

        if (ids.Contains("debian"))
        {
            return OsFamily.Debian;
        }

        // Fedora is the EL clones' ID_LIKE ancestor, not an EL release itself (Fedora 39 is no el9).
        if (facts.OsId == "fedora")
        {
            return null;
        }

        if (ids.Any(id => id is "rhel" or "centos" or "fedora" or "rocky" or "almalinux" or "ol"))
        {
            return major switch { "7" => OsFamily.El7, "8" => OsFamily.El8, "9" => OsFamily.El9, _ => null };
        }

        return null;
    }
}
