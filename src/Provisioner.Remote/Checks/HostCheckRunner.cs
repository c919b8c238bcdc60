using Provisioner.Core.Checks;
using Provisioner.Remote.Sessions;

namespace Provisioner.Remote.Checks;

/// <summary>One host's checklist: every check of the catalogue against the host's deep facts.</summary>
public sealed record HostCheckReport(string Host, string Os, IReadOnlyList<CheckResult> Results)
{
    public bool Failed => Results.Any(r => r.Status == CheckStatus.Fail);

    public bool Warned => Results.Any(r => r.Status == CheckStatus.Warn);
}

/// <summary>
/// Runs the catalogue on a planned session (opened with deep facts), asking the guests first when
/// the host has running worker VMs. Nothing on the host is changed.
/// </summary>
public static class HostCheckRunner
{
    public static async Task<HostCheckReport> RunAsync(HostSession session, bool askGuests, TimeProvider time, CancellationToken cancellationToken)
    {
        var guests = askGuests && session.Facts.Domains?.Any(d => d.State == "running") == true
            ? await GuestReports.ReadAsync(session, time, cancellationToken).ConfigureAwait(false)
            : null;
        var input = new CheckInput(session.Desired, session.Facts, CheckMode.All) { Guests = guests };
        return new HostCheckReport(session.Host.Name, $"{session.Facts.OsId} {session.Facts.OsVersionId}".Trim(), CheckCatalog.Run(input));
    }
}
