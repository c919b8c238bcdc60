using System.CommandLine;
using Provisioner.Core.Inventory.Schema;

namespace Provisioner.Cli.Commands;

/// <summary>`provision schema`: the inventory's JSON Schema, for editors with a YAML language server.</summary>
internal static class SchemaCommand
{
    public static Command Create(CliIo io)
    {
        var command = new Command("schema", "Print the JSON Schema of the inventory format (inventories/inventory.schema.json is this output).");
        command.SetAction(_ =>
        {
            io.Out.Write(InventorySchema.Generate());
            return ExitCodes.Success;
        });
        return command;
    }
}
