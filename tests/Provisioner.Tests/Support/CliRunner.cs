using Provisioner.Cli;

namespace Provisioner.Tests.Support;

/// <summary>Runs the whole `provision` command in-process and captures what it printed.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ProvisionCli.RunAsync(args, stdout, stderr, CancellationToken.None);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }
}
