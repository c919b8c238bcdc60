using System.CommandLine;

namespace Provisioner.Cli.Commands;

internal static class CommonOptions
{
    public static Argument<string> Inventory() => new("inventory") { Description = "Path of the inventory YAML file." };

    public static Option<string?> Limit(params string[] aliases) => new("--limit", aliases) { Description = "Only hosts whose name matches these globs (comma-separated, e.g. 'hk-*,sg-gpu-01')." };

    public static Option<int> Parallel(string description) =>
        InRange(new Option<int>("--parallel") { Description = $"{description} Default: 8 per CPU core, 8 to 64 ({DefaultParallel} here).", DefaultValueFactory = _ => DefaultParallel }, 1, 1000);

    /// <summary>
    /// Hosts worked on at once unless --parallel says otherwise. A host's session mostly waits on
    /// the host (its probe, its package manager, its reboot); what it costs here is the SSH key
    /// exchange and parsing its facts, a few milliseconds of CPU. The lab benchmark on 2 cores
    /// finished 20 hosts faster at --parallel 20 than at 10 with our process well under one core,
    /// so 8 per core keeps a small control machine busy without queueing handshakes behind each
    /// other. The cap keeps a big one from opening hundreds of logins in the same second, which the
    /// fleet's shared parts (a NAT, a directory server behind PAM) see all at once.
    /// </summary>
    public static int DefaultParallel { get; } = Math.Clamp(8 * Environment.ProcessorCount, 8, 64);

    /// <summary>
    /// Refuses a number outside [min, max] while the command line is parsed, before anything
    /// connects: a typo like --parallel 0 or --task-timeout -1 is an error, not silently clamped.
    /// </summary>
    public static Option<T> InRange<T>(Option<T> option, long min, long max)
    {
        option.Validators.Add(result =>
        {
            // The token as typed: a value that is no number at all gets System.CommandLine's own
            // "cannot parse" error, and the default (no token) is in range by construction.
            if (result.Tokens.Count > 0 && long.TryParse(result.Tokens[^1].Value, System.Globalization.CultureInfo.InvariantCulture, out var number) && (number < min || number > max))
            {
                result.AddError($"{option.Name} must be from {min} to {max} (got {number})");
            }
        });
        return option;
    }

    public static Option<string?> Recreate() => new("--recreate") { Description = "Replace these worker VMs on purpose (comma-separated names): the domain is destroyed and defined anew, its old disks kept beside (NAME.replaced-RUN) unless --delete-disks." };

    public static Option<bool> DeleteDisks() => new("--delete-disks") { Description = "With --recreate: delete the old disks instead of keeping them." };

    public static Option<bool> NoVms() => new("--no-vms") { Description = "Hosts only: bind the GPUs, leave the worker VMs out (neither planned nor changed)." };
}
