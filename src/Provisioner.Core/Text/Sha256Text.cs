using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Core.Text;

/// <summary>The sha256 of a text (UTF-8) as lower-case hex: what sha256sum prints for the same bytes.</summary>
public static class Sha256Text
{
    public static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
