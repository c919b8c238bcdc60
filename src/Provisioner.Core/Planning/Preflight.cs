using Provisioner.Core.Checks;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>
/// The checks that must pass before anything on a host is changed (the catalogue's pre-flight
/// subset: CPU virtualization, the firmware's IOMMU, the GPUs with their ids, each GPU's IOMMU
/// group holding only its own functions). A failure blocks the host; a warning is shown.
/// </summary>
public static class Preflight
{
    public static IReadOnlyList<Finding> Check(HostDesiredState desired, HostFacts facts) =>
        [.. CheckCatalog.Outcomes(new CheckInput(desired, facts, CheckMode.Preflight))
            .Where(o => o.Outcome.Status is CheckStatus.Fail or CheckStatus.Warn)
            .Select(o => new Finding(o.Outcome.Status == CheckStatus.Fail, o.Outcome.Detail, o.Outcome.Fix ?? o.Check.Fix))];
}
