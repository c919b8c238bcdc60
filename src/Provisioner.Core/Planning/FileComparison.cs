using DiffPlex;
using DiffPlex.Renderer;
using Provisioner.Core.Desired;
using Provisioner.Core.Facts;
using Provisioner.Core.Text;

namespace Provisioner.Core.Planning;

/// <summary>One managed file against what the host has: create, update (with a unified diff), or nothing.</summary>
public static class FileComparison
{
    private static readonly UnidiffRenderer Unidiff = new(Differ.Instance, 3);

    public static PlannedChange Compare(ManagedFile file, FileFacts? current)
    {
        var what = $"{file.Mode} {file.Owner}:{file.Group}, {file.Purpose}";
        if (current is null || !current.Exists)
        {
            return new(ChangeAction.Create, "file", file.Path, what, file.Sensitive ? null : file.Content, file.Sensitive);
        }

        var contentChanged = current.Sha256 != Sha256Text.Hex(file.Content);
        var metadata = new List<string>();
        if (current.Mode != file.Mode)
        {
            metadata.Add($"mode {current.Mode} -> {file.Mode}");
        }

        if (current.Owner != file.Owner || current.Group != file.Group)
        {
            metadata.Add($"owner {current.Owner}:{current.Group} -> {file.Owner}:{file.Group}");
        }

        if (!contentChanged && metadata.Count == 0)
        {
            return new(ChangeAction.NoOp, "file", file.Path, what, null, file.Sensitive);
        }

        var reason = string.Join("; ", (contentChanged ? ["content differs"] : Array.Empty<string>()).Concat(metadata)) + " (" + what + ")";
        // The probe sends content only when it differs from every version we might write (an
        // os: auto host's file can match another family's): no content, no diff to show.
        var diff = contentChanged && !file.Sensitive && current.Content is not null
            ? Unidiff.Generate(WithoutFinalNewline(current.Content), WithoutFinalNewline(file.Content), file.Path + " (on host)", file.Path + " (desired)", false, false)
            : null;
        return new(ChangeAction.Update, "file", file.Path, reason, diff, file.Sensitive);
    }

    // Files end with a newline; left in, the differ sees one more (empty) line on each side.
    private static string WithoutFinalNewline(string text) => text.EndsWith('\n') ? text[..^1] : text;

}
