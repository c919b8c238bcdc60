using Provisioner.Core.Checks;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>
/// The post-conditions of a bring-up, checked on facts read after the reboot (the catalogue's
/// verification subset): the kernel runs with every desired argument exactly once and none of the
/// unwanted ones, the IOMMU is on with interrupt remapping, every function of each GPU's IOMMU
/// group is on vfio-pci, /dev/vfio/N exists for those groups, and no host GPU driver is loaded.
/// Pure; each failure says what is wrong and what to look at.
/// </summary>
public static class Verifier
{
    public static IReadOnlyList<Finding> Verify(HostDesiredState desired, HostFacts facts) =>
        [.. CheckCatalog.Outcomes(new CheckInput(desired, facts, CheckMode.Verify))
            .Where(o => o.Outcome.Status == CheckStatus.Fail)
            .Select(o => new Finding(true, o.Outcome.Detail, o.Outcome.Fix ?? o.Check.Fix))];
}
