namespace Provisioner.Core.Runbook;

/// <summary>What runbook/runbook.md.sbn renders for one host: phases of steps in the order apply takes them, the checklist and the troubleshooting.</summary>
public sealed record RunbookView(
    string Host,
    string Address,
    string Os,
    string Inventory,
    IReadOnlyList<string> Summary,
    IReadOnlyList<FirmwareItemView> Firmware,
    IReadOnlyList<PhaseView> Phases,
    IReadOnlyList<ChecklistItemView> Checklist);

/// <summary>A firmware setup item: what to set and why.</summary>
public sealed record FirmwareItemView(string Setting, string Why);

/// <summary>A phase of the bring-up; <see cref="Reboot"/> marks the reboot point.</summary>
public sealed record PhaseView(int Number, string Title, string Why, bool Reboot, IReadOnlyList<StepView> Steps);

/// <summary>One step: what it does, the exact commands (run as root, in order) and what to expect after them.</summary>
public sealed record StepView(string Title, string Command, string Expect)
{
    /// <summary>
    /// The code fence around <see cref="Command"/>: longer than any run of backticks in it
    /// (CommonMark closes a fence only with one at least as long), so no file content, not even a
    /// model name carrying ``` , can end the block early and add a block of its own to a replay.
    /// </summary>
    public string Fence => new('`', Math.Max(3, LongestBacktickRun(Command) + 1));

    private static int LongestBacktickRun(string text)
    {
        int longest = 0, run = 0;
        foreach (var c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }
}

/// <summary>A checklist item from the check catalogue, with its troubleshooting text and fix.</summary>
public sealed record ChecklistItemView(string Id, string Title, string Troubleshooting, string Fix);
