using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Remote.Ssh;

/// <summary>
/// An OpenSSH known_hosts file: plain and hashed (<c>|1|salt|hash</c>) host patterns, <c>[host]:port</c>
/// for ports other than 22, <c>*</c>/<c>?</c> wildcards and <c>!</c> negation, and <c>@revoked</c>.
/// A key counts as changed only when a key of the same type is on record for the host, as OpenSSH does.
/// </summary>
public sealed class KnownHostsFile(string path)
{
    public string Path { get; } = path;

    public HostKeyVerdict Check(string host, int port, string keyType, byte[] key)
    {
        var name = HostName(host, port);
        var offered = Convert.ToBase64String(key);
        var verdict = HostKeyVerdict.Unknown;
        foreach (var entry in Entries())
        {
            if (!entry.Matches(name) || entry.KeyType != keyType && entry.Marker != "@revoked")
            {
                continue;
            }

            if (entry.Key == offered)
            {
                if (entry.Marker == "@revoked")
                {
                    return HostKeyVerdict.Revoked;
                }

                if (entry.Marker is null)
                {
                    verdict = HostKeyVerdict.Trusted;
                }
            }
            else if (entry.Marker is null && verdict != HostKeyVerdict.Trusted)
            {
                verdict = HostKeyVerdict.Changed;
            }
        }

        return verdict;
    }

    /// <summary>Records a key (accept-new): one appended line, written whole, under an exclusive lock.</summary>
    public void Add(string host, int port, string keyType, byte[] key)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.None);
        var line = Encoding.ASCII.GetBytes($"{HostName(host, port)} {keyType} {Convert.ToBase64String(key)}\n");
        stream.Write(line);
        stream.Flush(flushToDisk: true);
    }

    public static string HostName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    private IEnumerable<Entry> Entries()
    {
        if (!File.Exists(Path))
        {
            yield break;
        }

        foreach (var raw in File.ReadLines(Path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string? marker = null;
            if (fields[0].StartsWith('@'))
            {
                marker = fields[0];
                fields = fields[1..];
            }

            if (fields.Length >= 3)
            {
                yield return new Entry(marker, fields[0], fields[1], fields[2]);
            }
        }
    }

    private sealed record Entry(string? Marker, string Patterns, string KeyType, string Key)
    {
        public bool Matches(string name)
        {
            if (Patterns.StartsWith("|1|", StringComparison.Ordinal))
            {
                return HashedMatches(Patterns, name);
            }

            var matched = false;
            foreach (var pattern in Patterns.Split(','))
            {
                var negated = pattern.StartsWith('!');
                if (Core.Text.Glob.ToRegex(negated ? pattern[1..] : pattern, ignoreCase: true).IsMatch(name))
                {
                    if (negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }

            return matched;
        }

        private static bool HashedMatches(string hashed, string name)
        {
            var parts = hashed.Split('|');
            if (parts.Length != 4)
            {
                return false;
            }

            try
            {
#pragma warning disable CA5350 // known_hosts hashing is HMAC-SHA1 by format, not our choice
                using var hmac = new HMACSHA1(Convert.FromBase64String(parts[2]));
#pragma warning restore CA5350
                return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(name))) == parts[3];
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }
}
