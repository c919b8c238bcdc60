using System.Text.RegularExpressions;
using Provisioner.Core.Inventory.Values;

namespace Provisioner.Remote.Secrets;

/// <summary>
/// Puts the secret values into a sensitive document just before it goes to its host: every
/// <c>${env:NAME}</c> / <c>${file:/path}</c> reference (as the inventory allowed them) is replaced
/// by the value from this machine's environment or file (one trailing newline dropped). A value
/// is never logged or printed; a missing one, or one with a line break (it would end the line it
/// sits on), is an error naming the reference, before anything on the host is touched.
/// </summary>
public static partial class SecretResolver
{
    public static string Resolve(string text, Func<string, string?> environment, Func<string, string> readFile, string host) =>
        Reference().Replace(text, match =>
        {
            if (!SecretRef.TryParse(match.Value, out var secret) || secret is null)
            {
                return match.Value;
            }

            string? value;
            try
            {
                value = secret.Kind == "env" ? environment(secret.Name) : readFile(secret.Name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Ssh.RemoteException(host, $"secret {secret} cannot be read: {e.Message}", "make the file readable by the user running provision", e);
            }

            if (value is null)
            {
                throw new Ssh.RemoteException(host, $"secret {secret} is not set", $"export {secret.Name}=... in the environment that runs provision");
            }

            value = value.EndsWith('\n') ? value[..^1] : value;
            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new Ssh.RemoteException(host, $"secret {secret} spans more than one line", "a secret here is one line (it becomes one line of an environment file)");
            }

            return value;
        });

    /// <summary>From this machine: its environment and files.</summary>
    public static string ResolveHere(string text, string host) => Resolve(text, Environment.GetEnvironmentVariable, File.ReadAllText, host);

    [GeneratedRegex(@"\$\{(?:env|file):[^}\s]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();
}
