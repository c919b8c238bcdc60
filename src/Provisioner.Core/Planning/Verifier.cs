using Provisioner.Core.Checks;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>
/// The post-conditions of a bring-up, checked on facts read after the reboot (the catalogue's
/// verification subset): the kernel runs with every desired argument exactly once and none of the
/// unwanted ones, the IOMMU is on with interrupt remapping, every function of each GPU's IOMMU
/// group is on vfio-pci, /dev/vfio/N exists for those groups, and no host GPU driver is loaded.
/// Then, once apply made them, the worker VMs: running, autostarted, the GPU inside where the
/// guest agent answers. Pure; each failure says what is wrong and what to look at.
/// </summary>
public static class Verifier
{
    public static IReadOnlyList<Finding> Verify(HostDesiredState desired, HostFacts facts) =>
        Failures(new CheckInput(desired, facts, CheckMode.Verify));

    /// <param name="guests">What each VM's guest agent said (a VM whose agent is not connected yet is not a failure).</param>
    public static IReadOnlyList<Finding> VerifyVms(HostDesiredState desired, HostFacts facts, IReadOnlyDictionary<string, GuestReport> guests) =>
        Failures(new CheckInput(desired, facts, CheckMode.VerifyVms) { Guests = guests });

    private static IReadOnlyList<Finding> Failures(CheckInput input) =>
        [.. CheckCatalog.Outcomes(input)
            .Where(o => o.Outcome.Status == CheckStatus.Fail)
            .Select(o => new Finding(true, o.Outcome.Detail, o.Outcome.Fix ?? o.Check.Fix))];
}
