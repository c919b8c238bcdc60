using System.Globalization;

namespace Provisioner.Core.Planning;

/// <summary>Human plan output in the style of Terraform: one marker per resource, a summary line last.</summary>
public static class PlanTextWriter
{
    /// <summary>Writes the plan; no-op resources are listed only with <paramref name="showContent"/>.</summary>
    public static void Write(Plan plan, TextWriter output, bool showContent)
    {
        output.WriteLine(plan.Offline
            ? $"Plan for {plan.Inventory} (offline: every host assumed empty)"
            : $"Plan for {plan.Inventory}");
        foreach (var host in plan.Hosts)
        {
            output.WriteLine();
            output.WriteLine($"host {host.Host} ({host.Os})");
            foreach (var change in host.Changes.Where(c => showContent || c.Action != ChangeAction.NoOp))
            {
                output.WriteLine($"  {Marker(change.Action)} {change.Type,-11} {change.Id}");
                output.WriteLine($"      {change.Reason}");
                if (showContent && change.Sensitive)
                {
                    output.WriteLine("      (sensitive: content not shown)");
                }
                else if (showContent && change.Content is not null)
                {
                    // A created file is all new lines; an updated one carries a unified diff already marked.
                    var prefix = change.Action == ChangeAction.Update ? "      " : "      + ";
                    foreach (var line in change.Content.TrimEnd('\n').Split('\n'))
                    {
                        output.WriteLine(prefix + line);
                    }
                }
            }

            foreach (var trigger in host.Triggers)
            {
                output.WriteLine($"  ! trigger     {trigger}");
            }

            if (host.RebootReason is not null)
            {
                output.WriteLine($"  ! reboot      {host.RebootReason}");
            }

            foreach (var note in host.Notes)
            {
                output.WriteLine($"  note: {note}");
            }

            foreach (var finding in host.Findings)
            {
                output.WriteLine($"  {(finding.Blocks ? "x BLOCKED" : "! warning")}: {finding.Message}");
                output.WriteLine($"      fix: {finding.Fix}");
            }

            if (!host.HasChanges && host.RebootReason is null && !host.Blocked)
            {
                output.WriteLine("  (no changes)");
            }
        }

        foreach (var failure in plan.Failures)
        {
            output.WriteLine();
            output.WriteLine($"host {failure.Host}: NOT PLANNED: {failure.Message}");
            output.WriteLine($"      fix: {failure.Fix}");
        }

        output.WriteLine();
        output.WriteLine(Summary(plan));
    }

    public static string Summary(Plan plan)
    {
        var reboots = plan.Hosts.Count(h => h.RebootReason is not null);
        var problems = plan.Failures.Count + plan.Hosts.Count(h => h.Blocked);
        return string.Create(CultureInfo.InvariantCulture,
            $"Plan: {plan.Hosts.Count} host(s), {plan.Count(ChangeAction.Create)} to create, {plan.Count(ChangeAction.Update)} to change, {plan.Count(ChangeAction.Delete)} to destroy; {reboots} reboot(s)")
            + (problems > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {plan.Hosts.Count(h => h.Blocked)} blocked, {plan.Failures.Count} unreachable.") : ".");
    }

    private static char Marker(ChangeAction action) => action switch
    {
        ChangeAction.Create => '+',
        ChangeAction.Update => '~',
        ChangeAction.Delete => '-',
        ChangeAction.Run => '!',
        _ => ' ',
    };
}
