namespace Provisioner.Core.Checks;

/// <summary>
/// The pocket checklist as a catalogue: every check with its id, title, severity and fix, and the
/// function that evaluates it. `check` runs all of them, plan/apply's pre-flight the blocking
/// subset, apply's verification the post-reboot subset; the runbook prints the list and its
/// troubleshooting texts; docs/checks.md is tested to name every id.
/// </summary>
public static class CheckCatalog
{
    public static IReadOnlyList<CatalogEntry> Entries { get; } =
    [
        new(FirmwareChecks.CpuVirtualization, FirmwareChecks.EvaluateCpuVirtualization),
        new(FirmwareChecks.IommuFirmware, FirmwareChecks.EvaluateIommuFirmware),
        new(GpuChecks.GpuPresent, GpuChecks.EvaluateGpuPresent),
        new(GpuChecks.GpuDeviceId, GpuChecks.EvaluateGpuDeviceId),
        new(FirmwareChecks.IommuActive, FirmwareChecks.EvaluateIommuActive),
        new(FirmwareChecks.InterruptRemapping, FirmwareChecks.EvaluateInterruptRemapping),
        new(GpuChecks.GroupIsolation, GpuChecks.EvaluateGroupIsolation),
        new(GpuChecks.HostCardKept, GpuChecks.EvaluateHostCardKept),
        new(GpuChecks.HostDriverModule, GpuChecks.EvaluateHostDriverModule),
        new(CmdlineChecks.Hazards, CmdlineChecks.EvaluateHazards),
        new(FirmwareChecks.KernelCmdline, FirmwareChecks.EvaluateKernelCmdline),
        new(GpuChecks.VfioBound, GpuChecks.EvaluateVfioBound),
        new(GpuChecks.DevVfio, GpuChecks.EvaluateDevVfio),
        new(GpuChecks.HostGpuDrivers, GpuChecks.EvaluateHostGpuDrivers),
        new(GpuChecks.InitramfsVfio, GpuChecks.EvaluateInitramfsVfio),
        new(VmChecks.HugepagesNode, VmChecks.EvaluateHugepagesNode),
        new(VmChecks.UefiFirmware, VmChecks.EvaluateUefiFirmware),
        new(VmChecks.QemuMachine, VmChecks.EvaluateQemuMachine),
        new(VmChecks.Libvirtd, VmChecks.EvaluateLibvirtd),
        new(VmChecks.VmRunning, VmChecks.EvaluateVmRunning),
        new(VmChecks.ConsoleLocalhost, VmChecks.EvaluateConsoleLocalhost),
        new(VmChecks.LargeBar, VmChecks.EvaluateLargeBar),
        new(VmChecks.GuestGpu, VmChecks.EvaluateGuestGpu),
        new(VmChecks.GuestFarm, VmChecks.EvaluateGuestFarm),
    ];

    public static IEnumerable<CheckDefinition> Definitions => Entries.Select(e => e.Definition);

    /// <summary>Runs the checks <paramref name="input"/>'s mode selects, in catalogue order: one result per check.</summary>
    public static IReadOnlyList<CheckResult> Run(CheckInput input) =>
        [.. Selected(input.Mode).Select(e => Result(e.Definition, [.. e.Evaluate(input)]))];

    /// <summary>Every outcome of the selected checks, each with its own fix (pre-flight and verification report them one by one).</summary>
    public static IEnumerable<CheckFinding> Outcomes(CheckInput input) =>
        Selected(input.Mode).SelectMany(e => e.Evaluate(input).Select(o => new CheckFinding(e.Definition, o)));

    // Reference types only (no value tuples) in these LINQ chains: plan and apply run them once per
    // process, and every generic instantiation over a struct is JIT-compiled on its first call.
    private static IEnumerable<CatalogEntry> Selected(CheckMode mode) =>
        Entries.Where(e => mode switch
        {
            CheckMode.Preflight => e.Definition.Preflight,
            CheckMode.Verify => e.Definition.Verify,
            CheckMode.VerifyVms => e.Definition.VerifyVms,
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

/// <summary>A check and the function that evaluates it.</summary>
public sealed record CatalogEntry(CheckDefinition Definition, Func<CheckInput, IEnumerable<CheckOutcome>> Evaluate);

/// <summary>One outcome of one check (pre-flight and verification report them one by one).</summary>
public sealed record CheckFinding(CheckDefinition Check, CheckOutcome Outcome);
