using System.Text.RegularExpressions;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;

namespace Provisioner.Core.Planning;

/// <summary>
/// A file a person wrote by hand that the plan replaces whole: the diff shows the change, and
/// what would silently stop working is said out loud: vfio-pci ids in the old file that the new one
/// does not bind (an extra USB card passed through by hand, say) are dropped at the next boot.
/// </summary>
public static partial class ReplacedFileWarnings
{
    public static IEnumerable<Finding> For(ManagedFile file, FileFacts? current)
    {
        if (current?.Content is not { } old || !current.Exists)
        {
            yield break;
        }

        var kept = VfioIds(file.Content);
        var dropped = VfioIds(old).Where(id => !kept.Contains(id)).ToList();
        if (dropped.Count > 0)
        {
            yield return new Finding(false, $"replacing {file.Path} drops the vfio-pci id(s) {string.Join(", ", dropped)} that the host's own version binds and ours does not",
                "if that device must stay on vfio-pci (another card passed through by hand), add it as a function of a GPU's gpu_model, or bind it in a file of its own name under /etc/modprobe.d");
        }
    }

    private static HashSet<string> VfioIds(string content) =>
        [.. OptionsLine().Matches(content).SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(i => i.Trim().ToLowerInvariant())];

    [GeneratedRegex(@"^\s*options\s+vfio[-_]pci\s+(?:.*\s)?ids=([0-9a-fA-F:,]+)", RegexOptions.Multiline)]
    private static partial Regex OptionsLine();
}
