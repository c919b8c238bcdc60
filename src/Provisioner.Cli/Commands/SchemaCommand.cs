using System.CommandLine;
using Provisioner.Core.Inventory.Schema;

namespace Provisioner.Cli.Commands;

/// <summary>`provision schema`: the inventory's JSON Schema, for editors with a YAML language server.</summary>
internal static class SchemaCommand
{
    public static Command Create(CliIo io)
    {
        var markdown = new Option<bool>("--markdown") { Description = "Print the inventory reference in Markdown instead (docs/inventory-reference.md)." };
        var command = new Command("schema", "Print the JSON Schema of the inventory format (inventories/inventory.schema.json is this output).") { markdown };
        command.SetAction(parse =>
        {
            io.Out.Write(parse.GetValue(markdown) ? InventoryReference.Generate() : InventorySchema.Generate());
            return ExitCodes.Success;
        });
        return command;
    }
}
