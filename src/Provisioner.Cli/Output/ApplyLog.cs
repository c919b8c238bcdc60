using Serilog;
using Serilog.Core;
using Serilog.Formatting.Compact;

namespace Provisioner.Cli.Output;

/// <summary>
/// apply's structured log (Serilog): every event carries Host and Run. Written as JSON lines to
/// --log-file and, with --verbose, as text to stderr. File contents and secrets are never logged:
/// events name paths, steps and commands only.
/// </summary>
internal static class ApplyLog
{
    public static Logger Create(string? jsonLinesFile, bool verbose)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.Information();
        if (jsonLinesFile is not null)
        {
            configuration = configuration.WriteTo.File(new CompactJsonFormatter(), jsonLinesFile);
        }

        if (verbose)
        {
            configuration = configuration.WriteTo.Console(outputTemplate: "{Level:u3} {Host} {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture, standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose);
        }

        return configuration.CreateLogger();
    }
}
