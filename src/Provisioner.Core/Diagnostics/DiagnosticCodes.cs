namespace Provisioner.Core.Diagnostics;

/// <summary>
/// The one catalogue of user-facing diagnostic codes. docs/diagnostics.md lists them with fixes;
/// a test keeps the two in step and another proves each code is produced by some bad inventory.
/// </summary>
public static class DiagnosticCodes
{
    // File and YAML shape.
    public static readonly DiagnosticDescriptor YamlSyntax = new("PRV001", Severity.Error, "YAML syntax error");
    public static readonly DiagnosticDescriptor UnknownKey = new("PRV002", Severity.Error, "Unknown key");
    public static readonly DiagnosticDescriptor WrongType = new("PRV003", Severity.Error, "Value has the wrong type");
    public static readonly DiagnosticDescriptor MissingRequired = new("PRV004", Severity.Error, "Required field missing");
    public static readonly DiagnosticDescriptor DuplicateKey = new("PRV005", Severity.Error, "Key given twice in one mapping");
    public static readonly DiagnosticDescriptor UnsupportedVersion = new("PRV006", Severity.Error, "Unsupported inventory version");
    public static readonly DiagnosticDescriptor FileNotFound = new("PRV007", Severity.Error, "File not found or unreadable");
    public static readonly DiagnosticDescriptor UnknownGroup = new("PRV008", Severity.Error, "Host names a group that does not exist");
    public static readonly DiagnosticDescriptor InvalidEnum = new("PRV009", Severity.Error, "Value is not one of the allowed choices");

    // Names, duplicates and addresses.
    public static readonly DiagnosticDescriptor DuplicateHostName = new("PRV010", Severity.Error, "Two hosts share a name");
    public static readonly DiagnosticDescriptor DuplicateVmName = new("PRV011", Severity.Error, "Two VMs share a name");
    public static readonly DiagnosticDescriptor MalformedPciAddress = new("PRV012", Severity.Error, "Malformed PCI address");
    public static readonly DiagnosticDescriptor DuplicatePciAddress = new("PRV013", Severity.Error, "GPU listed twice on a host (given to two VMs)");
    public static readonly DiagnosticDescriptor GpuWithoutFunctionZero = new("PRV014", Severity.Error, "GPU model lacks function 0");
    public static readonly DiagnosticDescriptor MalformedPciId = new("PRV015", Severity.Error, "Malformed vendor:device id");
    public static readonly DiagnosticDescriptor DuplicateIp = new("PRV016", Severity.Error, "IP address used twice");
    public static readonly DiagnosticDescriptor DuplicateMac = new("PRV017", Severity.Error, "MAC address used twice");
    public static readonly DiagnosticDescriptor MalformedMac = new("PRV018", Severity.Error, "Malformed MAC address");
    public static readonly DiagnosticDescriptor MalformedIp = new("PRV019", Severity.Error, "Malformed IP address or prefix");

    // Capacity.
    public static readonly DiagnosticDescriptor MemoryExceeded = new("PRV020", Severity.Error, "VM memory plus host reserve exceeds host memory");
    public static readonly DiagnosticDescriptor HugepagesTooFew = new("PRV021", Severity.Error, "Fewer hugepages than the VMs back");
    public static readonly DiagnosticDescriptor MemoryNotPageMultiple = new("PRV022", Severity.Error, "VM memory is not a whole number of hugepages");

    // Anything that may reach a shell.
    public static readonly DiagnosticDescriptor UnsafeName = new("PRV023", Severity.Error, "Name is not safe for a shell, file name or libvirt");
    public static readonly DiagnosticDescriptor UnsafePath = new("PRV024", Severity.Error, "Path is not a safe absolute path");
    public static readonly DiagnosticDescriptor MalformedSize = new("PRV025", Severity.Error, "Malformed size");
    public static readonly DiagnosticDescriptor InvalidNumber = new("PRV026", Severity.Error, "Number out of range");
    public static readonly DiagnosticDescriptor InlineSecret = new("PRV027", Severity.Error, "Secret written inline");
    public static readonly DiagnosticDescriptor MalformedSecretRef = new("PRV028", Severity.Error, "Malformed secret reference");
    public static readonly DiagnosticDescriptor MalformedSha256 = new("PRV029", Severity.Error, "Malformed sha256");
    public static readonly DiagnosticDescriptor MalformedUrl = new("PRV030", Severity.Error, "Malformed or unsafe URL");
    public static readonly DiagnosticDescriptor MalformedSshKey = new("PRV031", Severity.Error, "Malformed SSH public key");

    // Coherence between fields.
    public static readonly DiagnosticDescriptor BridgeUplink = new("PRV032", Severity.Error, "Bridge needs exactly one uplink: interface or bond");
    public static readonly DiagnosticDescriptor BondTooSmall = new("PRV033", Severity.Error, "A bond needs at least two interfaces");
    public static readonly DiagnosticDescriptor VmNetworkMode = new("PRV034", Severity.Error, "VM network mode and address disagree");
    public static readonly DiagnosticDescriptor WorkerSettings = new("PRV035", Severity.Error, "Worker settings incomplete for its kind");
    public static readonly DiagnosticDescriptor TemplatesDirectory = new("PRV036", Severity.Error, "Templates directory not found");
    public static readonly DiagnosticDescriptor HostsEmpty = new("PRV037", Severity.Error, "Inventory has no hosts");
    public static readonly DiagnosticDescriptor AcsOverride = new("PRV038", Severity.Warning, "ACS override requested");
    public static readonly DiagnosticDescriptor GpusAuto = new("PRV039", Severity.Info, "GPUs discovered from facts");
    public static readonly DiagnosticDescriptor TemplateError = new("PRV040", Severity.Error, "Template error");
    public static readonly DiagnosticDescriptor UserWithoutKeys = new("PRV041", Severity.Error, "VM user has no SSH key");
    public static readonly DiagnosticDescriptor DuplicateEntry = new("PRV042", Severity.Error, "Given twice where each must be unique");
    public static readonly DiagnosticDescriptor ServiceWithoutToken = new("PRV043", Severity.Error, "Farm service reachable from other machines without a token");
    public static readonly DiagnosticDescriptor StorageSettings = new("PRV044", Severity.Error, "Shared storage settings invalid");

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
    [
        YamlSyntax, UnknownKey, WrongType, MissingRequired, DuplicateKey, UnsupportedVersion, FileNotFound,
        UnknownGroup, InvalidEnum, DuplicateHostName, DuplicateVmName, MalformedPciAddress, DuplicatePciAddress,
        GpuWithoutFunctionZero, MalformedPciId, DuplicateIp, DuplicateMac, MalformedMac, MalformedIp, MemoryExceeded,
        HugepagesTooFew, MemoryNotPageMultiple, UnsafeName, UnsafePath, MalformedSize, InvalidNumber,
        InlineSecret, MalformedSecretRef, MalformedSha256, MalformedUrl, MalformedSshKey, BridgeUplink,
        BondTooSmall, VmNetworkMode, WorkerSettings, TemplatesDirectory, HostsEmpty, AcsOverride, GpusAuto,
        TemplateError, UserWithoutKeys, DuplicateEntry, ServiceWithoutToken, StorageSettings,
    ];
}
