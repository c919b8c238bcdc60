using System.Net;
using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Dto;
using Provisioner.Core.Inventory.Model;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>Checks that span hosts: names, addresses and MACs must be unique across the fleet.</summary>
public static class FleetChecks
{
    public static void Run(IReadOnlyList<(HostDto Dto, Host Host)> hosts, DiagnosticBag diagnostics)
    {
        var hostNames = new Unique<string>(diagnostics, DiagnosticCodes.DuplicateHostName, "host name", "give every host its own name");
        var vmNames = new Unique<string>(diagnostics, DiagnosticCodes.DuplicateVmName, "VM name", "set a distinct vm.name on one of them");
        var ips = new Unique<IPAddress>(diagnostics, DiagnosticCodes.DuplicateIp, "IP address", "every host bridge and static VM needs its own address");
        var macs = new Unique<string>(diagnostics, DiagnosticCodes.DuplicateMac, "MAC address", "remove the explicit vm.network.mac (a unique one is derived) or change it");
        var endpoints = new Unique<string>(diagnostics, DiagnosticCodes.DuplicateEntry, "SSH address", "two host entries would apply to one machine at once: give each host its own address, or remove one entry");
        foreach (var (dto, host) in hosts)
        {
            hostNames.Check(host.Name, dto.Name?.Location ?? dto.Location);
            endpoints.Check(host.Address.ToLowerInvariant() + ":" + host.Ssh.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), dto.Address?.Location ?? dto.Location);
            if (host.Network?.Bridge.Address is { } bridgeAddress)
            {
                ips.Check(bridgeAddress.Address, dto.Network?.Bridge?.Address?.Location ?? dto.Location);
            }

            foreach (var gpu in host.Gpus)
            {
                var gpuDto = dto.Gpus![gpu.Index];
                var vmDto = gpuDto.Vm;
                vmNames.Check(gpu.Vm.Name, vmDto?.Name?.Location ?? gpuDto.Location);
                macs.Check(gpu.Vm.Network.Mac.Value, vmDto?.Network?.Mac?.Location ?? gpuDto.Location);
                if (gpu.Vm.Network.Address is { } vmAddress)
                {
                    ips.Check(vmAddress.Address, vmDto?.Network?.Address?.Location ?? gpuDto.Location);
                }
            }
        }
    }

    private sealed class Unique<T>(DiagnosticBag diagnostics, DiagnosticDescriptor code, string what, string fix) where T : notnull
    {
        private readonly Dictionary<T, SourceLocation?> _first = [];

        public void Check(T value, SourceLocation? at)
        {
            if (_first.TryGetValue(value, out var first))
            {
                diagnostics.Add(code, at, $"{what} '{value}' is already used" + (first is null ? "" : $" at line {first.Line}"), fix);
                return;
            }

            _first[value] = at;
        }
    }
}
