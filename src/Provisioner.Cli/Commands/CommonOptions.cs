using System.CommandLine;

namespace Provisioner.Cli.Commands;

internal static class CommonOptions
{
    public static Argument<string> Inventory() => new("inventory") { Description = "Path of the inventory YAML file." };

    public static Option<string?> Limit(params string[] aliases) => new("--limit", aliases) { Description = "Only hosts whose name matches these globs (comma-separated, e.g. 'hk-*,sg-gpu-01')." };

    public static Option<int> Parallel(string description) => new("--parallel") { Description = description, DefaultValueFactory = _ => 10 };

    public static Option<string?> Recreate() => new("--recreate") { Description = "Replace these worker VMs on purpose (comma-separated names): the domain is destroyed and defined anew, its old disks kept beside (NAME.replaced-RUN) unless --delete-disks." };

    public static Option<bool> DeleteDisks() => new("--delete-disks") { Description = "With --recreate: delete the old disks instead of keeping them." };

    public static Option<bool> NoVms() => new("--no-vms") { Description = "Hosts only: bind the GPUs, leave the worker VMs out (neither planned nor changed)." };
}
