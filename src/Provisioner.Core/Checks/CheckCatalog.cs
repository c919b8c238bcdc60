namespace Provisioner.Core.Checks;

/// <summary>
/// The pocket checklist as a catalogue: every check with its id, title, severity and fix, and the
/// function that evaluates it. `check` runs all of them, plan/apply's pre-flight the blocking
/// subset, apply's verification the post-reboot subset; the runbook prints the list and its
/// troubleshooting texts; docs/checks.md is tested to name every id.
/// </summary>
public static class CheckCatalog
{
    public static IReadOnlyList<(CheckDefinition Definition, Func<CheckInput, IEnumerable<CheckOutcome>> Evaluate)> Entries { get; } =
    [
        (FirmwareChecks.CpuVirtualization, FirmwareChecks.EvaluateCpuVirtualization),
        (FirmwareChecks.IommuFirmware, FirmwareChecks.EvaluateIommuFirmware),
        (GpuChecks.GpuPresent, GpuChecks.EvaluateGpuPresent),
        (GpuChecks.GpuDeviceId, GpuChecks.EvaluateGpuDeviceId),
        (FirmwareChecks.IommuActive, FirmwareChecks.EvaluateIommuActive),
        (FirmwareChecks.InterruptRemapping, FirmwareChecks.EvaluateInterruptRemapping),
        (GpuChecks.GroupIsolation, GpuChecks.EvaluateGroupIsolation),
        (FirmwareChecks.KernelCmdline, FirmwareChecks.EvaluateKernelCmdline),
        (GpuChecks.VfioBound, GpuChecks.EvaluateVfioBound),
        (GpuChecks.DevVfio, GpuChecks.EvaluateDevVfio),
        (GpuChecks.HostGpuDrivers, GpuChecks.EvaluateHostGpuDrivers),
        (GpuChecks.InitramfsVfio, GpuChecks.EvaluateInitramfsVfio),
        (VmChecks.HugepagesNode, VmChecks.EvaluateHugepagesNode),
        (VmChecks.UefiFirmware, VmChecks.EvaluateUefiFirmware),
        (VmChecks.Libvirtd, VmChecks.EvaluateLibvirtd),
        (VmChecks.VmRunning, VmChecks.EvaluateVmRunning),
        (VmChecks.ConsoleLocalhost, VmChecks.EvaluateConsoleLocalhost),
        (VmChecks.LargeBar, VmChecks.EvaluateLargeBar),
        (VmChecks.GuestGpu, VmChecks.EvaluateGuestGpu),
    ];

    public static IEnumerable<CheckDefinition> Definitions => Entries.Select(e => e.Definition);

    /// <summary>Runs the checks <paramref name="input"/>'s mode selects, in catalogue order: one result per check.</summary>
    public static IReadOnlyList<CheckResult> Run(CheckInput input) =>
        [.. Selected(input.Mode).Select(e => Result(e.Definition, [.. e.Evaluate(input)]))];

    /// <summary>Every outcome of the selected checks, each with its own fix (pre-flight and verification report them one by one).</summary>
    public static IEnumerable<(CheckDefinition Check, CheckOutcome Outcome)> Outcomes(CheckInput input) =>
        Selected(input.Mode).SelectMany(e => e.Evaluate(input).Select(o => (e.Definition, o)));

    private static IEnumerable<(CheckDefinition Definition, Func<CheckInput, IEnumerable<CheckOutcome>> Evaluate)> Selected(CheckMode mode) =>
        Entries.Where(e => mode switch
        {
            CheckMode.Preflight => e.Definition.Preflight,
            CheckMode.Verify => e.Definition.Verify,
            _ => true,
        });

    private static CheckResult Result(CheckDefinition check, IReadOnlyList<CheckOutcome> outcomes)
    {
        if (outcomes.Count == 0)
        {
            return new(check, CheckStatus.Skip, ["nothing to check on this host"], check.Fix);
        }

        var worst = outcomes.Max(o => o.Status);
        var shown = outcomes.Where(o => o.Status == worst).ToList();
        return new(check, worst, [.. shown.Select(o => o.Detail)], shown.Select(o => o.Fix).FirstOrDefault(f => f is not null) ?? check.Fix);
    }
}
