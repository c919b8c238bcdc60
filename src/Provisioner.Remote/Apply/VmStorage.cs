using Provisioner.Core.Planning;
using Provisioner.Remote.Ssh;

namespace Provisioner.Remote.Apply;

/// <summary>
/// The on-disk side of the worker VMs in one command per host: <see cref="StepScripts.VmStorage"/>
/// (images fetched once and checked, disks only when missing, seed ISOs, folders QEMU must
/// traverse), the same script the runbook prints.
/// </summary>
public static class VmStorage
{
    public static async Task PrepareAsync(IHostShell connection, IReadOnlyList<VmWork> work, string runId, bool sudo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (work.Count == 0)
        {
            return;
        }

        var result = await connection.RunScriptAsync(StepScripts.VmStorage(work, runId), sudo, timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RemoteException(connection.HostName, $"preparing the VM images failed (exit {result.ExitCode}): {result.LastErrorLines()}",
                result.ExitCode == 42 ? "the downloaded image is not the one the inventory names: check vm.image.url and vm.image.sha256"
                    : "fix the cause on the host (disk space, the image URL, genisoimage/xorriso) and re-run apply: finished files are kept");
        }
    }
}
