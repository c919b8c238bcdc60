using System.Globalization;

namespace Provisioner.Core.Planning;

/// <summary>Human plan output in the style of Terraform: one marker per resource, a summary line last.</summary>
public static class PlanTextWriter
{
    public static void Write(Plan plan, TextWriter output, bool showContent)
    {
        output.WriteLine(plan.Offline
            ? $"Plan for {plan.Inventory} (offline: every host assumed empty)"
            : $"Plan for {plan.Inventory}");
        foreach (var host in plan.Hosts)
        {
            output.WriteLine();
            output.WriteLine($"host {host.Host} ({host.Os})");
            foreach (var change in host.Changes)
            {
                output.WriteLine($"  {Marker(change.Action)} {change.Type,-11} {change.Id}");
                output.WriteLine($"      {change.Reason}");
                if (showContent && change.Sensitive)
                {
                    output.WriteLine("      (sensitive: content not shown)");
                }
                else if (showContent && change.Content is not null)
                {
                    foreach (var line in change.Content.TrimEnd('\n').Split('\n'))
                    {
                        output.WriteLine("      + " + line);
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
        }

        output.WriteLine();
        output.WriteLine(Summary(plan));
    }

    public static string Summary(Plan plan)
    {
        var reboots = plan.Hosts.Count(h => h.RebootReason is not null);
        return string.Create(CultureInfo.InvariantCulture,
            $"Plan: {plan.Hosts.Count} host(s), {plan.Count(ChangeAction.Create)} to create, {plan.Count(ChangeAction.Update)} to change, {plan.Count(ChangeAction.Delete)} to destroy; {reboots} reboot(s).");
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
