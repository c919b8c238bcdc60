using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Provisioner.Core.Planning;

/// <summary>An apply run's id: UTC time and randomness, safe in paths and shell words (names backups and the lock).</summary>
public static partial class RunIds
{
    public static string New(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public static bool IsValid(string runId) => Pattern().IsMatch(runId);

    [GeneratedRegex("\\A[A-Za-z0-9-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
