namespace Provisioner.Worker.Rendering;

/// <summary>A command as one line for logs: arguments shell-quoted where needed (it is never run through a shell).</summary>
public static class CommandLine
{
    public static string Show(string program, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { program }.Concat(arguments).Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./#:,".Contains(c)) ? a : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
}
