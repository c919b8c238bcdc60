using Provisioner.Cli;

namespace Provisioner.Tests.Support;

/// <summary>Runs the whole `provision` command in-process and captures what it printed.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    /// <summary>As <see cref="RunAsync(string[])"/>, ended early (as Ctrl-C would) when <paramref name="cancellationToken"/> fires.</summary>
    public static async Task<Result> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ProvisionCli.RunAsync(args, new CliIo(stdout, stderr), cancellationToken);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>With <paramref name="stdin"/> as what the user types (null: no input at all).</summary>
    public static async Task<Result> RunWithInputAsync(string? stdin, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var input = stdin is null ? null : new StringReader(stdin);
        var code = await ProvisionCli.RunAsync(args, new CliIo(stdout, stderr) { In = input }, CancellationToken.None);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }
}
