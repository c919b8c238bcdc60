using Spectre.Console;

namespace Provisioner.Cli.Output;

/// <summary>
/// Spectre.Console over one of our writers: colours and the terminal's width only on a terminal;
/// in a pipe or a test, plain text and no wrapping (a log line stays one line).
/// </summary>
internal static class Consoles
{
    public static IAnsiConsole For(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 4096;
        }

        return console;
    }
}
