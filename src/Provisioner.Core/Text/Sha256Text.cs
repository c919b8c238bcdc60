using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Core.Text;

/// <summary>The sha256 of a text (UTF-8) as lower-case hex: what sha256sum prints for the same bytes.</summary>
public static class Sha256Text
{
    public static string Hex(string text) => Hex([text]);

    /// <summary>
    /// The sha256 of the parts' concatenation, without building it: each part is encoded into a
    /// pooled buffer and fed to the hash. (A 1,000-host x 8-GPU plan hashes every VM's seed,
    /// and the joined copies and their UTF-8 bytes were a sixth of everything it allocated.)
    /// Each part is encoded alone, which gives the concatenation's bytes as long as no part
    /// begins with the second half of a surrogate pair the previous one ends with the first
    /// half of; callers join whole texts with ASCII separators.
    /// </summary>
    public static string Hex(params ReadOnlySpan<string> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in parts)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(part.Length));
            try
            {
                hash.AppendData(buffer, 0, Encoding.UTF8.GetBytes(part, buffer));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
