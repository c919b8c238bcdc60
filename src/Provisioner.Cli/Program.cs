using System.Text;
using Provisioner.Cli;

// Console.Out flushes every line; a plan of a large fleet is ~100k lines. Buffer stdout, flush at exit.
await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
var code = await ProvisionCli.RunAsync(args, stdout, Console.Error, CancellationToken.None).ConfigureAwait(false);
await stdout.FlushAsync().ConfigureAwait(false);
return code;
