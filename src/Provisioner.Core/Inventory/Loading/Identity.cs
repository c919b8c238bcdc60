using System.Security.Cryptography;
using System.Text;
using Provisioner.Core.Inventory.Values;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>
/// Stable identities of a worker VM derived from host name + GPU address: re-rendering the
/// same inventory never changes a VM's UUID or MAC (a new MAC means a new DHCP lease and a
/// "new" machine to every switch and monitoring system).
/// </summary>
public static class Identity
{
    public static Guid VmUuid(string host, PciAddress gpu)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("provisioner/vm-uuid/" + host + "/" + gpu));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x50); // version 5 (name-based, SHA)
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }

    public static MacAddress VmMac(string host, PciAddress gpu) =>
        MacAddress.FromHash(SHA256.HashData(Encoding.UTF8.GetBytes("provisioner/vm-mac/" + host + "/" + gpu)));
}
