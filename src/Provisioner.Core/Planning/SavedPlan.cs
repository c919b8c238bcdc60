using System.Text.Json;

namespace Provisioner.Core.Planning;

/// <summary>
/// What `apply plan.json` needs from a plan saved with `plan -out`: the inventory it was made
/// from and, per host, the digest of what it would do and the fingerprint of the facts it saw.
/// Only live plans can be applied (an offline plan assumed every host empty).
/// </summary>
public sealed record SavedPlan(string Inventory, IReadOnlyDictionary<string, SavedHostPlan> Hosts)
{
    /// <summary>
    /// Why this saved plan must not be applied to <paramref name="now"/>'s host (planned again just
    /// now), or null when it may: the same host key, boot, facts and the same plan. A host the
    /// saved plan does not name is refused too.
    /// </summary>
    public string? Refusal(HostPlan now)
    {
        if (!Hosts.TryGetValue(now.Host, out var was))
        {
            return "the saved plan does not name this host";
        }

        var fingerprint = now.Fingerprint ?? throw new ArgumentException("a saved plan is checked against a live plan, with its fingerprint", nameof(now));
        return fingerprint.HostKey != was.Fingerprint.HostKey ? $"its host key is now {fingerprint.HostKey}, the plan was made with {was.Fingerprint.HostKey}"
            : fingerprint.BootId != was.Fingerprint.BootId ? "it rebooted since the plan was saved"
            : fingerprint.Facts != was.Fingerprint.Facts ? "its facts changed since the plan was saved (files, drivers, packages or services)"
            : now.Digest != was.Digest ? "planning again gives another plan (the inventory or templates changed)"
            : null;
    }

    /// <summary>Reads a saved plan; a file that is not one is a <see cref="FormatException"/> saying why.</summary>
    public static SavedPlan Parse(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var version = root.TryGetProperty("format_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : -1;
            if (version != Plan.CurrentFormatVersion)
            {
                throw new FormatException($"{path}: format_version {version} is not {Plan.CurrentFormatVersion}: save the plan again with this version of provision (plan -out)");
            }

            if (root.GetProperty("offline").GetBoolean())
            {
                throw new FormatException($"{path} is an offline plan (every host assumed empty): it cannot be applied; save a live plan (plan -out, without --offline)");
            }

            var hosts = new Dictionary<string, SavedHostPlan>(StringComparer.Ordinal);
            foreach (var host in root.GetProperty("hosts").EnumerateArray())
            {
                var fingerprint = host.GetProperty("fingerprint");
                hosts[host.GetProperty("host").GetString()!] = new SavedHostPlan(host.GetProperty("digest").GetString()!,
                    new HostFingerprint(fingerprint.GetProperty("host_key").GetString()!, fingerprint.GetProperty("boot_id").GetString()!, fingerprint.GetProperty("facts").GetString()!));
            }

            return new SavedPlan(root.GetProperty("inventory").GetString()!, hosts);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{path} is not a saved plan ({e.Message}): save one with 'provision plan INVENTORY -out {path}'", e);
        }
    }
}

/// <summary>One host of a saved plan.</summary>
public sealed record SavedHostPlan(string Digest, HostFingerprint Fingerprint);
