namespace Provisioner.Remote.Ssh;

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last lines of stderr on one line (' | ' between them): what an error message quotes.</summary>
    public string LastErrorLines(int count = 3) => string.Join(" | ", Stderr.Trim().Split('\n').TakeLast(count));
}
