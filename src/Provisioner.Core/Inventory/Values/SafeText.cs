using System.Text.RegularExpressions;

namespace Provisioner.Core.Inventory.Values;

/// <summary>
/// Load-time checks for every value that may end up on a command line or in a file name.
/// Quoting at use (see Shell/ShellQuote) is the second line of defence, not the first.
/// </summary>
public static partial class SafeText
{
    /// <summary>Host and VM names: DNS-label-like, so they are safe as file names, libvirt names and hostnames.</summary>
    public static bool IsName(string text) => NamePattern().IsMatch(text);

    /// <summary>Network interface names as the kernel allows them (≤15 chars) without shell metacharacters.</summary>
    public static bool IsInterfaceName(string text) => InterfacePattern().IsMatch(text);

    /// <summary>Kernel module names as modprobe writes them (softdep lines): letters, digits, '_' and '-'.</summary>
    public static bool IsModuleName(string text) => ModulePattern().IsMatch(text);

    /// <summary>Login names as useradd accepts them.</summary>
    public static bool IsUserName(string text) => UserPattern().IsMatch(text);

    /// <summary>An absolute path of plain characters, no '..' segments.</summary>
    public static bool IsAbsolutePath(string text) =>
        PathPattern().IsMatch(text) && !text.Split('/').Contains("..");

    /// <summary>A path that may start with ~/ (expanded on the control machine, never sent to a host).</summary>
    public static bool IsLocalPath(string text) =>
        text.StartsWith("~/", StringComparison.Ordinal) ? IsAbsolutePath(text[1..]) : IsAbsolutePath(text) || RelativePattern().IsMatch(text);

    /// <summary>
    /// Host names for SSH: a DNS name or an IP address. All-digit dotted names are addresses, and must parse as one
    /// (no leading zeros: glibc reads 010 as octal 8, .NET as 10).
    /// </summary>
    public static bool IsHostAddress(string text) => HostAddressPattern().IsMatch(text)
        && (!text.All(c => char.IsAsciiDigit(c) || c == '.') || IpCidr.TryParseAddress(text, out _));

    [GeneratedRegex("\\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("\\A[A-Za-z0-9][A-Za-z0-9_.-]{0,14}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex InterfacePattern();

    [GeneratedRegex("\\A[A-Za-z0-9][A-Za-z0-9_-]{0,55}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ModulePattern();

    [GeneratedRegex("\\A[a-z_][a-z0-9_-]{0,31}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserPattern();

    [GeneratedRegex("\\A(/[A-Za-z0-9._+-]+)+/?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();

    [GeneratedRegex("\\A[A-Za-z0-9._+-]+(/[A-Za-z0-9._+-]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RelativePattern();

    [GeneratedRegex(@"\A([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z|\A[0-9a-fA-F:]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostAddressPattern();
}
