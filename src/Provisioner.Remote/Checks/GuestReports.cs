using Provisioner.Core.Checks;
using Provisioner.Remote.Libvirt;
using Provisioner.Remote.Sessions;

namespace Provisioner.Remote.Checks;

/// <summary>
/// Asks each worker VM's guest agent (through libvirt on the host's connection): does it answer,
/// and where it does and a GPU is passed through, does exactly one GPU show inside; does the queue
/// answer from inside and is the share mounted and writable (<see cref="GuestFarmProbe"/>)? Used by
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
            var farm = agent is null && GuestFarmProbe.Script(vm.Vm.Worker) is { } script
                ? WorkerDomains.GuestFarm(libvirt, vm.Vm.Name, script, time)
                : ((IReadOnlyList<string> Problems, IReadOnlyList<string> Fine)?)null;
            return new GuestReport(agent, gpu.Problem) { GpuSeen = gpu.Seen, FarmProblems = farm?.Problems, FarmFine = farm?.Fine ?? [] };
        }, StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
    }
}
