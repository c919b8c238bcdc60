namespace Provisioner.Core.Inventory.Model;

public enum OsFamily
{
    Auto,
    El7,
    El8,
    El9,
    Debian,
    Ubuntu,
}

public enum CpuVendor
{
    Intel,
    Amd,
}

public enum HostKeyPolicy
{
    Strict,
    AcceptNew,
}
