using System.Globalization;
using Provisioner.Core.Inventory.Model;

namespace Provisioner.Remote.Ssh;

/// <summary>
/// A host as a person types it on the command line: [USER@]ADDRESS[:PORT], an IPv6 address in
/// brackets ([::1]:2222). Each part is checked before it reaches an SSH library: user and address
/// of letters, digits, '.', '-', '_', ':' only; a port from 1 to 65535; the user defaults to root.
/// </summary>
public sealed record SshAddress(string User, string Address, int Port)
{
    public const string Form = "[USER@]ADDRESS[:PORT]";

    /// <summary>The address, or null when <paramref name="text"/> is not of that form.</summary>
    public static SshAddress? Parse(string text)
    {
        var at = text.LastIndexOf('@');
        var user = at > 0 ? text[..at] : "root";
        var rest = text[(at + 1)..];
        var port = 22;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < rest.Length && (rest[close + 1] != ':' || !int.TryParse(rest[(close + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))))
            {
                return null;
            }

            rest = rest[1..close];
        }
        else if (rest.Count(c => c == ':') == 1)
        {
            if (!int.TryParse(rest[(rest.IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                return null;
            }

            rest = rest[..rest.IndexOf(':', StringComparison.Ordinal)];
        }

        return Safe(user) && Safe(rest) && port is >= 1 and <= 65535 ? new SshAddress(user, rest, port) : null;
    }

    /// <summary>The connection to it: host keys checked strictly against <paramref name="knownHosts"/>, the agent's keys tried before <paramref name="identity"/>.</summary>
    public SshTarget Target(string identity, string knownHosts, string home, string? agentSocket) =>
        new(Address, Address, Port, User, SshTarget.Expand(identity, home), SshTarget.Expand(knownHosts, home), HostKeyPolicy.Strict)
        {
            AgentSocket = string.IsNullOrEmpty(agentSocket) ? null : agentSocket,
            IdentityFileRequired = false,
        };

    private static bool Safe(string part) => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':');
}
