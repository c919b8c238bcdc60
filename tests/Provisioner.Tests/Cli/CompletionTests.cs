using Provisioner.Tests.Support;

namespace Provisioner.Tests.Cli;

/// <summary>
/// The completion scripts run in the real shells against this build's provision (through
/// System.CommandLine's [suggest] directive): commands, options, option values, file names.
/// </summary>
public sealed class CompletionTests
{
    private static readonly string Provision = Path.Combine(AppContext.BaseDirectory, "provision.dll");

    [Theory]
    [InlineData("provision ap", "apply")]
    [InlineData("provision apply --par", "--parallel")]
    [InlineData("provision farm ", "cancel drain forget priority retry serve status submit undrain workers")]
    [InlineData("provision farm submit shot.blend --priority ", "high low normal")]
    [InlineData("provision completion ", "bash zsh")]
    [InlineData("provision plan inv", "inventory.yaml")]
    [InlineData("provision validate ", "inventory.yaml notes.txt")]
    public async Task Bash_CompletesFromTheCommandItself(string typed, string expected)
    {
        ExternalTool.Require("bash");
        using var dir = new TempDirectory();
        dir.File("inventory.yaml", "hosts: []\n");
        dir.File("notes.txt", "");
        var script = await CliRunner.RunAsync("completion", "bash");
        Assert.Equal(0, script.ExitCode);
        var completion = dir.File("completion.bash", script.Stdout);
        var run = ExternalTool.RunIn(dir.Path, "bash", "-c", $$"""
            provision() { dotnet {{Provision}} "$@"; }
            source {{completion}}
            COMP_LINE='{{typed}}'; COMP_POINT=${#COMP_LINE}
            read -ra COMP_WORDS <<< "$COMP_LINE"
            [ "${COMP_LINE: -1}" = " " ] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            _provision_complete
            printf '%s\n' "${COMPREPLY[@]}" | grep -v '^[-/]\(h\|?\|-help\)$' | grep -vx completion.bash | sort | tr '\n' ' '
            """);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, run.Stdout.Trim());
    }

    [Theory]
    [InlineData("provision ap", "ap", "apply")]
    [InlineData("provision apply --par", "--par", "--parallel")]
    [InlineData("provision apply inv", "inv", "FILES")]
    public async Task Zsh_CompletesFromTheCommandItself(string typed, string prefix, string expected)
    {
        ExternalTool.Require("zsh");
        using var dir = new TempDirectory();
        var script = await CliRunner.RunAsync("completion", "zsh");
        var completion = dir.File("_provision", script.Stdout);
        Assert.True(ExternalTool.Run("zsh", "-n", completion).ExitCode == 0, "zsh -n refused the script");
        // zsh's completion system replaced by recorders: the script's own logic runs in real zsh.
        var run = ExternalTool.RunIn(dir.Path, "zsh", "-c", $$"""
            provision() { dotnet {{Provision}} "$@" }
            compdef() { }
            compadd() { shift; print -l -- ${(M)@:#{{prefix}}*} }
            _files() { print FILES }
            source {{completion}}
            BUFFER='{{typed}}'; CURSOR=${#BUFFER}; PREFIX='{{prefix}}'; words=(${(z)BUFFER})
            _provision
            """);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, run.Stdout.Trim());
    }
}
