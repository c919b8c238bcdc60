using System.Text;
using Provisioner.Core.Desired;
using Provisioner.Core.Shell;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Writes several managed files in ONE command, each atomically: content to a temp file in the
/// same directory, mode and owner set on it, flushed to disk, the previous version copied to
/// /var/lib/provision/backups/RUN/PATH, then renamed over the old one. A connection cut at any
/// point leaves every file either old or new, never half-written; re-running converges.
/// The script goes to 'sh -s' on stdin (<see cref="WriteAsync"/>): content never touches argv.
/// </summary>
public static class FileBatch
{
    public const string BackupRoot = "/var/lib/provision/backups";

    public static async Task<IReadOnlyList<string>> WriteAsync(Ssh.SshConnection connection, IReadOnlyList<ManagedFile> files, string runId, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await connection.RunScriptAsync(Script(files, runId), sudo, timeout, cancellationToken).ConfigureAwait(false);
        var written = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("written\t", StringComparison.Ordinal)).Select(l => l[8..]).ToList();
        if (!result.Succeeded)
        {
            var failedAt = files.Count > written.Count ? files[written.Count].Path : "the final sync";
            throw new Ssh.RemoteException(connection.Target.Name, $"writing {failedAt} failed (exit {result.ExitCode}): {result.Stderr.Trim()}",
                "files written before it are complete and backed up; fix the cause and re-run apply");
        }

        return written;
    }

    public static string Script(IEnumerable<ManagedFile> files, string runId)
    {
        if (!RunIds.IsValid(runId))
        {
            throw new ArgumentException($"run id '{runId}' must be letters, digits and '-'", nameof(runId));
        }

        var script = new StringBuilder("set -e\numask 077\n");
        var backups = $"{BackupRoot}/{runId}";
        foreach (var file in files)
        {
            var path = ShellQuote.Quote(file.Path);
            var content = ShellQuote.Quote(Convert.ToBase64String(Encoding.UTF8.GetBytes(file.Content)));
            script.Append($"""
                f={path}; d=$(dirname "$f"); mkdir -p "$d"
                tmp="$d/.provision-new.$(basename "$f")"
                printf '%s' {content} | base64 -d > "$tmp"
                chmod {file.Mode} "$tmp"; chown {ShellQuote.Quote(file.Owner + ":" + file.Group)} "$tmp"
                sync "$tmp"
                if [ -e "$f" ]; then mkdir -p "{backups}$d"; cp -p "$f" "{backups}$f"; fi
                mv -f "$tmp" "$f"
                printf 'written\t%s\n' "$f"

                """);
        }

        script.Append("sync\n");
        return script.ToString();
    }
}
