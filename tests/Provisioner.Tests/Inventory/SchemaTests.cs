using Provisioner.Core.Inventory.Schema;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Inventory;

public sealed class SchemaTests
{
    private static readonly string SchemaFile = Repo.Path("inventories", "inventory.schema.json");

    [Fact]
    public void Schema_CommittedFile_IsWhatTheDtosGenerate() => Golden.AssertMatches(SchemaFile, InventorySchema.Generate());

    [Fact]
    public void Reference_CommittedDoc_IsWhatTheDtosGenerate() =>
        Golden.AssertMatches(Repo.Path("docs", "inventory-reference.md"), InventoryReference.Generate());

    [Theory]
    [InlineData("inventories/example.yaml")]
    [InlineData("tests/Provisioner.Tests/Fixtures/fleet.yaml")]
    public void Schema_AcceptsTheGoodInventories(string inventory)
    {
        var result = ValidateWithJsonSchema(Repo.Path(inventory));

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("02-unknown-key.yaml")]
    [InlineData("09-invalid-enum.yaml")]
    [InlineData("04-missing-address.yaml")]
    public void Schema_RejectsBadInventories(string file)
    {
        var result = ValidateWithJsonSchema(Path.Combine(Repo.Fixtures, "bad", file));

        Assert.NotEqual(0, result.ExitCode);
    }

    // Debian's python3-jsonschema (installed by .ci/run) is the same validator family editors use; the
    // absolute path avoids whichever other python3 (pyenv) may come first on PATH without it.
    private static ExternalTool.Result ValidateWithJsonSchema(string inventory) =>
        ExternalTool.Run("/usr/bin/python3", "-c",
            "import json,sys,yaml,jsonschema; jsonschema.validate(yaml.safe_load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
            inventory, SchemaFile);
}
