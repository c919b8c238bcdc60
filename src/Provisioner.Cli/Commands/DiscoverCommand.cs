using System.CommandLine;
using System.Globalization;
using Provisioner.Cli.Output;
using Provisioner.Core.Discovery;
using Provisioner.Core.Inventory.Model;
using Provisioner.Remote.Facts;
using Provisioner.Remote.Ssh;

namespace Provisioner.Cli.Commands;

/// <summary>
/// `provision discover [USER@]HOST[:PORT]...`: read-only facts of new hosts (one connection, one
/// probe each, strict host key checking) as tables, or with --yaml as an inventory snippet to
/// paste under `hosts:`.
/// </summary>
internal static class DiscoverCommand
{
    public static Command Create(CliIo io)
    {
        var targets = new Argument<string[]>("host") { Description = "[USER@]ADDRESS[:PORT] of each host to read.", Arity = ArgumentArity.OneOrMore };
        var yaml = new Option<bool>("--yaml") { Description = "Print an inventory snippet (a hosts: list) instead of tables." };
        var identity = new Option<string>("--identity", "-i") { Description = "Private key to log in with (an ssh-agent's keys are tried first).", DefaultValueFactory = _ => "~/.ssh/id_ed25519" };
        var knownHosts = new Option<string>("--known-hosts") { Description = "known_hosts file holding the hosts' keys (strict checking: add them first, e.g. with ssh-keyscan after verifying).", DefaultValueFactory = _ => "~/.ssh/known_hosts" };
        var command = new Command("discover", "Read new hosts' GPUs, IOMMU groups, CPU, memory, NUMA and NICs (read-only); --yaml for an inventory snippet.")
        {
            targets, yaml, identity, knownHosts,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var parsed = parse.GetValue(targets)!.Select(t => (Text: t, Target: Parse(t, parse.GetValue(identity)!, parse.GetValue(knownHosts)!))).ToList();
            if (parsed.FirstOrDefault(p => p.Target is null) is { Text: { } bad })
            {
                io.Error.WriteLine($"error: '{bad}' is not [USER@]ADDRESS[:PORT] (a user and address of letters, digits, '.', '-', '_', ':' only)");
                return ExitCodes.Error;
            }

            var results = await Task.WhenAll(parsed.Select(p => ReadAsync(p.Target!, cancellationToken))).ConfigureAwait(false);
            foreach (var failure in results.Where(r => r.Error is not null))
            {
                io.Error.WriteLine($"{failure.Target.Name}: {failure.Error}");
            }

            var hosts = results.Where(r => r.Host is not null).Select(r => r.Host!).ToList();
            if (parse.GetValue(yaml))
            {
                io.Out.Write(DiscoverySnippet.Yaml(hosts));
            }
            else
            {
                DiscoveryTables.Write(hosts, io.Out, io.OutIsTerminal);
            }

            return results.Any(r => r.Error is not null) ? ExitCodes.Error : ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(SshTarget Target, DiscoveredHost? Host, string? Error)> ReadAsync(SshTarget target, CancellationToken cancellationToken)
    {
        try
        {
            using var connection = await SshConnection.ConnectAsync(target, LivePlan.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var facts = await FactProbe.ProbeAsync(connection, new ProbeScope([], [], []) { Deep = true }, target.User != "root", LivePlan.CommandTimeout, cancellationToken).ConfigureAwait(false);
            var name = SafeHostName(facts.Hostname) ?? target.Address.Replace(':', '-');
            return (target, DiscoveredHost.From(facts, name, target.Address), null);
        }
        catch (RemoteException e)
        {
            return (target, null, $"{e.Detail} ({e.Fix})");
        }
    }

    /// <summary>[USER@]ADDRESS[:PORT], each part checked before it reaches an SSH library; an IPv6 address goes in brackets.</summary>
    private static SshTarget? Parse(string text, string identity, string knownHosts)
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

        var safe = (string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':');
        if (!safe(user) || !safe(rest) || port is < 1 or > 65535)
        {
            return null;
        }

        return new SshTarget(rest, rest, port, user, SshTarget.Expand(identity, LivePlan.Home), SshTarget.Expand(knownHosts, LivePlan.Home), HostKeyPolicy.Strict)
        {
            AgentSocket = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK") is { Length: > 0 } agent ? agent : null,
            IdentityFileRequired = false,
        };
    }

    private static string? SafeHostName(string hostname)
    {
        var name = hostname.Split('.')[0];
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? name : null;
    }
}
