using System.Text;
using Provisioner.Core.Text;

namespace Provisioner.Core.Planning;

/// <summary>
/// A hash of what a host plan would do (each change with its content, the triggers, the steps, the reboot),
/// so `apply plan.json` can prove that planning again from the same facts gives the same plan:
/// an inventory or template edited since the plan was saved changes it.
/// </summary>
public static class PlanDigest
{
    public static string Of(HostPlan plan)
    {
        var text = new StringBuilder();
        foreach (var change in plan.Changes.Where(c => c.Action != ChangeAction.NoOp))
        {
            text.Append(change.Action).Append('\t').Append(change.Type).Append('\t').Append(change.Id).Append('\t')
                .Append(change.Content is null ? "-" : Sha256Text.Hex(change.Content)).Append('\n');
        }

        text.Append("triggers\t").AppendJoin(' ', plan.TriggerKinds).Append('\n');
        // The steps apply would run, by kind and reason: a plan that shows the same lines but would act otherwise differs.
        foreach (var step in plan.Steps)
        {
            text.Append("step\t").Append(step.GetType().Name).Append('\t').Append(step.Reason).Append('\n');
        }

        text.Append("reboot\t").Append(plan.RebootReason is null ? "no" : "yes").Append('\n');
        return "sha256:" + Sha256Text.Hex(text.ToString());
    }
}
