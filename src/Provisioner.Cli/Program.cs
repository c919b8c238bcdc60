using System.Text;
using Provisioner.Cli;

// Console.Out flushes every line; a plan of a large fleet is ~100k lines. Buffer stdout, flush at exit.
await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
var colour = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
var io = new CliIo(stdout, Console.Error)
{
    In = Console.In,
    OutIsTerminal = colour && !Console.IsOutputRedirected,
    ErrorIsTerminal = colour && !Console.IsErrorRedirected,
};
var code = await ProvisionCli.RunAsync(args, io, CancellationToken.None).ConfigureAwait(false);
await stdout.FlushAsync().ConfigureAwait(false);
return code;
