using Provisioner.Core.Checks;
using Provisioner.Remote.Libvirt;
using Provisioner.Remote.Sessions;

namespace Provisioner.Remote.Checks;

/// <summary>
/// Asks each worker VM's guest agent (through libvirt on the host's connection): does it answer,
/// and where it does and a GPU is passed through, does exactly one GPU show inside? Used by
/// apply's last step and by `check`.
/// </summary>
public static class GuestReports
{
    public static async Task<IReadOnlyDictionary<string, GuestReport>> ReadAsync(HostSession session, TimeProvider time, CancellationToken cancellationToken)
    {
        var libvirt = await session.LibvirtAsync(cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => session.Desired.Vms.ToDictionary(vm => vm.Vm.Name, vm =>
        {
            var agent = WorkerDomains.AgentProblem(libvirt, vm.Vm.Name, TimeSpan.FromSeconds(10));
            var gpu = agent is null && vm.Vm.Passthrough && vm.Gpu.Functions[0].Id is { } id
                ? WorkerDomains.GuestGpu(libvirt, vm.Vm.Name, id.ToString(), time)
                : (null, null);
            return new GuestReport(agent, gpu.Problem) { GpuSeen = gpu.Seen };
        }, StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
    }
}
