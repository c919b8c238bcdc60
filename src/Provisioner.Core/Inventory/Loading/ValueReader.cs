using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Provisioner.Core.Diagnostics;
using Provisioner.Core.Inventory.Binding;
using Provisioner.Core.Inventory.Values;
using Provisioner.Core.Yaml;

namespace Provisioner.Core.Inventory.Loading;

/// <summary>
/// Turns located scalars into typed values, reporting a diagnostic at the scalar's position
/// when one does not parse. Each method returns a fallback on error so mapping can go on and
/// find the next problem too.
/// </summary>
public sealed partial class ValueReader(DiagnosticBag diagnostics)
{
    public DiagnosticBag Diagnostics { get; } = diagnostics;

    public void Report(DiagnosticDescriptor descriptor, YamlScalar? at, string message, string? fix = null) =>
        Diagnostics.Add(descriptor, at?.Location, message, fix);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "reads a whole number; the name matches its siblings (Bool, Size, Name), and no other .NET language calls it")]
    public int Int(YamlScalar? scalar, string key, int fallback, int min, int max)
    {
        if (scalar is null)
        {
            return fallback;
        }

        if (!int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Report(DiagnosticCodes.WrongType, scalar, $"'{key}' must be a whole number, found {scalar.Shown}");
            return fallback;
        }

        if (value < min || value > max)
        {
            Report(DiagnosticCodes.InvalidNumber, scalar, $"'{key}' is {value}, outside {min}..{max}", $"use a whole number from {min} to {max}");
            return fallback;
        }

        return value;
    }

    /// <summary>A non-negative amount of money such as 0.85 (at most 6 decimals: costs are counted in millionths); null when absent or wrong.</summary>
    public decimal? Amount(YamlScalar? scalar, string key)
    {
        if (scalar is null)
        {
            return null;
        }

        if (!decimal.TryParse(scalar.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !scalar.IsPlain)
        {
            Report(DiagnosticCodes.WrongType, scalar, $"'{key}' must be an amount such as 0.85, found {scalar.Shown}",
                "write the number alone, with a '.' for decimals and no currency sign or quotes");
            return null;
        }

        if (value.Scale > 6)
        {
            Report(DiagnosticCodes.InvalidNumber, scalar, $"'{key}' {scalar.Value} has more than 6 decimals", "round it to the millionth: costs are counted in millionths");
            return null;
        }

        return value;
    }

    public bool Bool(YamlScalar? scalar, string key, bool fallback)
    {
        if (scalar is null)
        {
            return fallback;
        }

        // YAML 1.2 booleans only: 'yes'/'no' are strings there, and a silent surprise here is worse than an error.
        switch (scalar.Value)
        {
            case "true" or "True" or "TRUE" when scalar.IsPlain:
                return true;
            case "false" or "False" or "FALSE" when scalar.IsPlain:
                return false;
            default:
                Report(DiagnosticCodes.WrongType, scalar, $"'{key}' must be true or false, found {scalar.Shown}",
                    scalar.IsPlain ? null : "remove the quotes");
                return fallback;
        }
    }

    public ByteSize Size(YamlScalar? scalar, string key, ByteSize fallback)
    {
        if (scalar is null)
        {
            return fallback;
        }

        if (!ByteSize.TryParse(scalar.Value, out var size) || size.Bytes == 0)
        {
            Report(DiagnosticCodes.MalformedSize, scalar, $"'{key}' is not a size: {scalar.Shown}",
                "write a number and a unit, e.g. 24GiB, 100G, 512MiB (G/GiB = 1024^3, GB = 1000^3)");
            return fallback;
        }

        if (size.Bytes > ByteSize.MaxSupported.Bytes)
        {
            Report(DiagnosticCodes.MalformedSize, scalar, $"'{key}' is {scalar.Shown}, more than the {ByteSize.MaxSupported} Provisioner supports for any size",
                "check the unit (T is TiB, G is GiB)");
            return fallback;
        }

        return size;
    }

    /// <summary>A size, or null when absent or malformed (so no check runs on a made-up value).</summary>
    public ByteSize? SizeOrNull(YamlScalar? scalar, string key)
    {
        if (scalar is null)
        {
            return null;
        }

        var size = Size(scalar, key, default);
        return size.Bytes == 0 ? null : size;
    }

    /// <summary>One of the words the DTO property's [OneOf] lists.</summary>
    public string Choice(YamlScalar? scalar, string key, IReadOnlyList<string> allowed, string fallback)
    {
        if (scalar is null)
        {
            return fallback;
        }

        if (!allowed.Contains(scalar.Value, StringComparer.Ordinal))
        {
            Report(DiagnosticCodes.InvalidEnum, scalar, $"'{key}' cannot be {scalar.Shown}", DidYouMean.Suggestion(scalar.Value, allowed));
            return fallback;
        }

        return scalar.Value;
    }

    public string? Name(YamlScalar? scalar, string key) => Valid(scalar, SafeText.IsName, $"'{key}' {scalar?.Shown} is not a valid name",
        "use lower-case letters, digits and '-' (at most 63, not starting or ending with '-'); names reach shells, file names and libvirt");

    /// <summary>A login name as useradd accepts it (the SSH user, VM users). The text is kept even when bad, so mapping goes on.</summary>
    public string? UserName(YamlScalar? scalar, string key)
    {
        if (scalar is not null && !SafeText.IsUserName(scalar.Value))
        {
            Report(DiagnosticCodes.UnsafeName, scalar, $"'{key}' {scalar.Shown} is not a valid login name",
                "use lower-case letters, digits, '_' and '-', starting with a letter or '_' (at most 32)");
        }

        return scalar?.Value;
    }

    public string? InterfaceName(YamlScalar? scalar, string key) => Valid(scalar, SafeText.IsInterfaceName, $"'{key}' {scalar?.Shown} is not a valid interface name",
        "use at most 15 letters, digits, '.', '_' or '-'");

    public string? ModuleName(YamlScalar? scalar, string key) => Valid(scalar, SafeText.IsModuleName, $"'{key}' {scalar?.Shown} is not a kernel module name",
        "write the module as lsmod or 'lspci -k' names it (letters, digits, '_' and '-'), e.g. amdgpu or snd_hda_intel");

    public string? AbsolutePath(YamlScalar? scalar, string key)
    {
        if (scalar is null)
        {
            return null;
        }

        if (!SafeText.IsAbsolutePath(scalar.Value))
        {
            Report(DiagnosticCodes.UnsafePath, scalar, $"'{key}' {scalar.Shown} is not a safe absolute path",
                "use an absolute path of letters, digits, '.', '_', '+', '-' and '/', without '..' or spaces");
            return null;
        }

        return scalar.Value;
    }

    /// <summary>A path on the control machine: absolute, ~/..., or relative to the inventory.</summary>
    public string? LocalPath(YamlScalar? scalar, string key)
    {
        if (scalar is null)
        {
            return null;
        }

        if (!SafeText.IsLocalPath(scalar.Value))
        {
            Report(DiagnosticCodes.UnsafePath, scalar, $"'{key}' {scalar.Shown} is not a safe path",
                "use letters, digits, '.', '_', '+', '-' and '/', optionally starting with ~/, without '..' or spaces");
            return null;
        }

        return scalar.Value;
    }

    public PciAddress? Pci(YamlScalar? scalar, string key) => Parse<PciAddress>(scalar, PciAddress.TryParse,
        DiagnosticCodes.MalformedPciAddress, $"'{key}' {scalar?.Shown} is not a PCI address",
        "write DDDD:BB:SS.F as 'lspci -D' prints it, e.g. 0000:65:00.0 (slot ≤ 1f, function 0-7)");

    public PciId? PciId(YamlScalar? scalar, string key) => Parse<PciId>(scalar, Values.PciId.TryParse,
        DiagnosticCodes.MalformedPciId, $"'{key}' {scalar?.Shown} is not a vendor:device id",
        "write four hex digits, a colon and four hex digits, as 'lspci -nn' shows in brackets, e.g. 10de:2231");

    public IpCidr? Cidr(YamlScalar? scalar, string key) => Parse<IpCidr>(scalar, IpCidr.TryParse,
        DiagnosticCodes.MalformedIp, $"'{key}' {scalar?.Shown} is not an address with a prefix", "write e.g. 10.20.0.21/24");

    public IPAddress? Ip(YamlScalar? scalar, string key) => Parse<IPAddress>(scalar, IpCidr.TryParseAddress,
        DiagnosticCodes.MalformedIp, $"'{key}' {scalar?.Shown} is not an IP address", "write e.g. 10.20.0.1, each number without leading zeros (many tools read 010 as octal 8)");

    public IReadOnlyList<IPAddress> Ips(List<YamlScalar>? scalars, string key) =>
        scalars is null ? [] : [.. scalars.Select(s => Ip(s, key)).OfType<IPAddress>()];

    public MacAddress? Mac(YamlScalar? scalar, string key) => Parse<MacAddress>(scalar, MacAddress.TryParse,
        DiagnosticCodes.MalformedMac, $"'{key}' {scalar?.Shown} is not a unicast MAC address",
        "write six hex pairs separated by ':', e.g. 52:54:00:12:34:56 (the first octet must be even)");

    /// <summary>
    /// Reports every scalar whose value an earlier one already has (a user, a bond member, a GPU
    /// function listed twice): <paramref name="what"/> names the kind, <paramref name="why"/> why it must be unique.
    /// </summary>
    public void Unique(IEnumerable<YamlScalar?> scalars, string what, string why)
    {
        var first = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        foreach (var scalar in scalars.OfType<YamlScalar>())
        {
            if (first.TryGetValue(scalar.Value, out var earlier))
            {
                Report(DiagnosticCodes.DuplicateEntry, scalar, $"{what} {scalar.Shown} is given twice (first at line {earlier.Location.Line})", why);
            }
            else
            {
                first[scalar.Value] = scalar;
            }
        }
    }

    /// <summary>The longest free text (a model name, a description) an inventory may give.</summary>
    public const int MaxFreeText = 200;

    /// <summary>
    /// Free text (a model name): printable Unicode, no control characters (NUL and ESC make
    /// domain.xml ill-formed, a newline splits a line), at most <see cref="MaxFreeText"/>
    /// characters. Each output escapes it for its own context (XML, Markdown fence, YAML).
    /// </summary>
    public string? FreeText(YamlScalar? scalar, string key)
    {
        if (scalar is null || scalar.IsNull)
        {
            return null;
        }

        if (Text.Printable.HasControl(scalar.Value) || scalar.Value.Length > MaxFreeText)
        {
            Report(DiagnosticCodes.UnsafeName, scalar, $"'{key}' {scalar.Shown} holds control characters or is longer than {MaxFreeText} characters",
                "write it on one line, in printable characters");
            return null;
        }

        return scalar.Value;
    }

    public string? Url(YamlScalar? scalar, string key, params string[] schemes)
    {
        if (scalar is null)
        {
            return null;
        }

        var ok = Uri.TryCreate(scalar.Value, UriKind.Absolute, out var uri)
                 && schemes.Contains(uri.Scheme, StringComparer.Ordinal)
                 && UrlCharacters().IsMatch(scalar.Value);
        if (!ok)
        {
            Report(DiagnosticCodes.MalformedUrl, scalar, $"'{key}' {scalar.Shown} is not a valid {string.Join(" or ", schemes)} URL",
                "write a full URL without spaces or quotes, e.g. " + schemes[0] + "://example.org/path");
            return null;
        }

        // A password in a URL would be printed in plans, JSON and runbooks: never accepted (and
        // not echoed here either).
        if (uri!.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            Report(DiagnosticCodes.InlineSecret, scalar, $"'{key}' holds credentials (user:password@): a URL is printed in plans, JSON and runbooks",
                "leave them out of the URL and give the password as a secret reference, e.g. ${env:QUEUE_PASSWORD}, where the key takes one");
            return null;
        }

        return scalar.Value;
    }

    /// <summary>
    /// The render queue's address: redis:// or rediss:// for one server, or
    /// redis-sentinel://HOST1[:PORT],HOST2,.../SERVICE[/DB] for a Sentinel-managed primary (a host
    /// list that System.Uri cannot read, hence its own grammar).
    /// </summary>
    public string? QueueUrl(YamlScalar? scalar, string key)
    {
        if (scalar is null || !scalar.Value.StartsWith("redis-sentinel:", StringComparison.Ordinal))
        {
            return Url(scalar, key, "redis", "rediss");
        }

        if (scalar.Value.Contains('@', StringComparison.Ordinal))
        {
            Report(DiagnosticCodes.InlineSecret, scalar, $"'{key}' holds credentials (user:password@): a URL is printed in plans, JSON and runbooks",
                "leave them out of the URL and give the password as a secret reference in queue_password, e.g. ${env:QUEUE_PASSWORD}");
            return null;
        }

        if (!SentinelUrl().IsMatch(scalar.Value))
        {
            Report(DiagnosticCodes.MalformedUrl, scalar, $"'{key}' {scalar.Shown} is not a valid redis-sentinel URL",
                "write redis-sentinel://HOST1,HOST2,HOST3/SERVICE (sentinel port 26379 unless HOST:PORT; SERVICE is the name the sentinels monitor)");
            return null;
        }

        return scalar.Value;
    }

    public string? Sha256(YamlScalar? scalar, string key)
    {
        if (scalar is null)
        {
            return null;
        }

        if (!Sha256Pattern().IsMatch(scalar.Value))
        {
            Report(DiagnosticCodes.MalformedSha256, scalar, $"'{key}' is not a sha256 digest",
                "write the 64 hex digits that 'sha256sum FILE' prints");
            return null;
        }

        return scalar.Value.ToLowerInvariant();
    }

    public SecretRef? Secret(YamlScalar? scalar, string key)
    {
        if (scalar is null)
        {
            return null;
        }

        if (!SecretRef.LooksLikeReference(scalar.Value))
        {
            // Never echo the value: it is probably the secret itself.
            Report(DiagnosticCodes.InlineSecret, scalar, $"'{key}' holds a secret inline",
                "reference it instead: ${env:NAME} (read from the environment) or ${file:/path} (read from a file)");
            return null;
        }

        if (!SecretRef.TryParse(scalar.Value, out var secret))
        {
            Report(DiagnosticCodes.MalformedSecretRef, scalar, $"'{key}' is not a valid secret reference",
                "write ${env:NAME} (NAME of letters, digits, '_') or ${file:/absolute/path}");
        }

        return secret;
    }

    public string? SshKey(YamlScalar scalar, string key)
    {
        if (!SshKeyPattern().IsMatch(scalar.Value))
        {
            Report(DiagnosticCodes.MalformedSshKey, scalar, $"'{key}' entry is not an SSH public key",
                "paste one line of a .pub file: 'ssh-ed25519 AAAA... comment' (comment without quotes, '$' or '`')");
            return null;
        }

        return scalar.Value;
    }

    /// <summary>A text that must pass <paramref name="isValid"/> (it may reach a shell): absent → null; failing → a diagnostic at the scalar, then null.</summary>
    private string? Valid(YamlScalar? scalar, Func<string, bool> isValid, string message, string fix)
    {
        if (scalar is null)
        {
            return null;
        }

        // A plain null, ~ or nothing is no name: never an interface or a module called 'null'.
        if (scalar.IsNull)
        {
            Report(DiagnosticCodes.MissingRequired, scalar, "this key is empty (null): it needs a value", "write the value, or leave the key out");
            return null;
        }

        if (!isValid(scalar.Value))
        {
            Report(DiagnosticCodes.UnsafeName, scalar, message, fix);
            return null;
        }

        return scalar.Value;
    }

    private delegate bool TryParser<T>(string text, out T? value);

    /// <summary>The shape every typed scalar shares: absent → null; unparsable → a diagnostic at the scalar, then null.</summary>
    private T? Parse<T>(YamlScalar? scalar, TryParser<T> tryParse, DiagnosticDescriptor code, string message, string fix) where T : class
    {
        if (scalar is null)
        {
            return null;
        }

        if (tryParse(scalar.Value, out var value))
        {
            return value;
        }

        Report(code, scalar, message, fix);
        return null;
    }

    [GeneratedRegex("\\A[A-Za-z0-9._~:/?#@!&+,;=%\\[\\]-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex UrlCharacters();

    private const string SentinelHost = "[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?";

    [GeneratedRegex("\\Aredis-sentinel://" + SentinelHost + "(?:," + SentinelHost + ")*/[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?:/(?:[0-9]|1[0-5]))?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SentinelUrl();

    [GeneratedRegex("\\A[0-9a-fA-F]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("\\A(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com|sk-ecdsa-sha2-nistp256@openssh\\.com) [A-Za-z0-9+/]{16,}={0,3}( [A-Za-z0-9@._+:-][A-Za-z0-9@._+: -]*)?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SshKeyPattern();
}
