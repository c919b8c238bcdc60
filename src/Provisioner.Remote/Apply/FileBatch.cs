using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// Writes several managed files in ONE command, each atomically (the script is
/// <see cref="StepScripts.WriteFiles"/>, the same the runbook prints): every file old or new,
/// never half-written, the previous version under /var/lib/provision/backups/RUN/PATH; re-running
/// converges. The script goes to 'sh -s' on stdin: content never touches argv.
/// </summary>
public static class FileBatch
{
    public static async Task<IReadOnlyList<string>> WriteAsync(IHostShell connection, IReadOnlyList<ManagedFile> files, string runId, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await connection.RunScriptAsync(StepScripts.WriteFiles(files, runId), sudo, timeout, cancellationToken).ConfigureAwait(false);
        var written = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("written\t", StringComparison.Ordinal)).Select(l => l[8..]).ToList();
        if (!result.Succeeded)
        {
            var failedAt = files.Count > written.Count ? files[written.Count].Path : "the final sync";
            throw new RemoteException(connection.HostName, $"writing {failedAt} failed (exit {result.ExitCode}): {result.Stderr.Trim()}",
                "files written before it are complete and backed up; fix the cause and re-run apply");
        }

        return written;
    }
}
