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
/// paste under `hosts:`, or with --twin FILE as a lab hardware profile of the one host named.
/// </summary>
internal static class DiscoverCommand
{
    public static Command Create(CliIo io)
    {
        var targets = new Argument<string[]>("host") { Description = "[USER@]ADDRESS[:PORT] of each host to read.", Arity = ArgumentArity.OneOrMore };
        var yaml = new Option<bool>("--yaml") { Description = "Print an inventory snippet (a hosts: list) instead of tables." };
        var twin = new Option<string?>("--twin") { Description = "Write a lab hardware profile of the one host named to FILE (tests/lab/lab.sh up N FILE boots it): rehearse apply on a twin of your server." };
        var identity = new Option<string>("--identity", "-i") { Description = "Private key to log in with (an ssh-agent's keys are tried first).", DefaultValueFactory = _ => "~/.ssh/id_ed25519" };
        var knownHosts = new Option<string>("--known-hosts") { Description = "known_hosts file holding the hosts' keys (strict checking: add them first, e.g. with ssh-keyscan after verifying).", DefaultValueFactory = _ => "~/.ssh/known_hosts" };
        var command = new Command("discover", "Read new hosts' GPUs, IOMMU groups, CPU, memory, NUMA and NICs (read-only); --yaml for an inventory snippet.")
        {
            targets, yaml, twin, identity, knownHosts,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var parsed = parse.GetValue(targets)!.Select(t => (Text: t, Target: Parse(t, parse.GetValue(identity)!, parse.GetValue(knownHosts)!))).ToList();
            if (parsed.FirstOrDefault(p => p.Target is null) is { Text: { } bad })
            {
                io.Error.WriteLine($"error: '{bad}' is not [USER@]ADDRESS[:PORT] (a user and address of letters, digits, '.', '-', '_', ':' only)");
                return ExitCodes.Error;
            }

            var twinFile = parse.GetValue(twin);
            if (twinFile is not null && parsed.Count != 1)
            {
                io.Error.WriteLine($"error: --twin writes the profile of one host, and {parsed.Count} were named: run it once per host");
                return ExitCodes.Error;
            }

            var results = await Task.WhenAll(parsed.Select(p => ReadAsync(p.Target!, cancellationToken))).ConfigureAwait(false);
            foreach (var failure in results.Where(r => r.Error is not null))
            {
                io.Error.WriteLine($"{failure.Target.Name}: {failure.Error}");
            }

            var hosts = results.Where(r => r.Host is not null).Select(r => r.Host!).ToList();
            if (twinFile is not null)
            {
                return hosts.Count == 1 ? WriteTwin(io, twinFile, hosts[0]) : ExitCodes.Error;
            }

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
            using var connection = await SshConnection.ConnectAsync(target, HostSessions.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var facts = await FactProbe.ProbeAsync(connection, new ProbeScope([], [], []) { Deep = true }, target.User != "root", HostSessions.CommandTimeout, cancellationToken).ConfigureAwait(false);
            var name = SafeHostName(facts.Hostname) ?? target.Address.Replace(':', '-');
            return (target, DiscoveredHost.From(facts, name, target.Address), null);
        }
        catch (RemoteException e)
        {
            return (target, null, $"{e.Detail} ({e.Fix})");
        }
    }

    /// <summary>The profile, written whole or not at all (a temporary file renamed over FILE).</summary>
    private static int WriteTwin(CliIo io, string file, DiscoveredHost host)
    {
        var path = Path.GetFullPath(file);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Path.GetRandomFileName());
        try
        {
            File.WriteAllText(temporary, TwinProfile.Json(host.Facts, host.Name));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            io.Error.WriteLine($"error: cannot write the twin profile to {path}: {e.Message}");
            return ExitCodes.Error;
        }

        io.Out.WriteLine($"{host.Name}: {host.Facts.PciDevices.Count} PCI devices written to {path} (boot it with: tests/lab/lab.sh up N {path})");
        return ExitCodes.Success;
    }

    private static SshTarget? Parse(string text, string identity, string knownHosts) =>
        SshAddress.Parse(text)?.Target(identity, knownHosts, HostSessions.Home, Environment.GetEnvironmentVariable("SSH_AUTH_SOCK"));

    private static string? SafeHostName(string hostname)
    {
        var name = hostname.Split('.')[0];
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? name : null;
    }
}
