using System.CommandLine;

namespace Provisioner.Cli.Commands;

internal static class CommonOptions
{
    public static Argument<string> Inventory() => new("inventory") { Description = "Path of the inventory YAML file." };
}
