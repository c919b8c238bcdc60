using System.CommandLine;

namespace Provisioner.Cli.Commands;

internal static class CommonOptions
{
    public static Argument<string> Inventory() => new("inventory") { Description = "Path of the inventory YAML file." };

    public static Option<bool> NoVms() => new("--no-vms") { Description = "Hosts only: bind the GPUs, leave the worker VMs out (neither planned nor changed)." };
}
