namespace Provisioner.IntegrationTests.RealKernel;

/// <summary>What counts as the emulated machine wedging: the lines its kernel printed in the one CI run where it did, and not an ordinary boot.</summary>
public sealed class QemuHostStallTests
{
    [Theory]
    [InlineData("[  300.813795] watchdog: BUG: soft lockup - CPU#1 stuck for 246s! [qemu-system-x86:594]")]
    [InlineData("[  311.628718] rcu: INFO: rcu_preempt self-detected stall on CPU")]
    [InlineData("[  120.000001] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:")]
    public void AKernelStall_IsTheEmulatorWedging(string line) =>
        Assert.True(QemuHost.Stalled("[    0.000000] Linux version 6.1.0-28-amd64\n" + line + "\n"));

    [Fact]
    public void AnOrdinaryBoot_IsNot() =>
        Assert.False(QemuHost.Stalled("""
            [    0.000000] Linux version 6.1.0-28-amd64
            [    0.412345] DMAR: IOMMU enabled
            [    2.100000] rcu: Hierarchical SRCU implementation.
            [    5.300000] watchdog: initialized
            Debian GNU/Linux 12 qemu-host ttyS0
            """));
}
