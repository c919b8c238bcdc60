using System.CommandLine;
using Provisioner.Core.Inventory.Values;
using Provisioner.Remote.Secrets;
using Provisioner.Remote.Ssh;
using Provisioner.Service;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>
/// `provision farm serve [-I INVENTORY | --queue URL] [--listen ADDR:PORT] [--token REF]`: the
/// farm over HTTP until Ctrl-C (see src/Provisioner.Service). Loopback unless a token guards it;
/// the token is a secret reference, never a literal on the command line (shell history, ps).
/// The inventory's farm.service gives both when the flags do not.
/// </summary>
internal static class FarmServeCommand
{
    public static Command Create(CliIo io)
    {
        var inventory = FarmCommand.Inventory();
        var queue = FarmCommand.Queue();
        var listen = new Option<string?>("--listen") { Description = $"ADDRESS:PORT to listen on; anything but loopback needs a token. Default: the inventory's farm.service.listen, else {ListenAddress.Default}." };
        var token = new Option<string?>("--token") { Description = "The bearer token writes (and reads from other machines) must carry, as a secret reference: ${env:NAME} or ${file:/path}. Default: the inventory's farm.service.token." };
        var command = new Command("serve", "Serve the farm over HTTP: the seed's /submit and /status/ID, and the REST API under /api/v1.") { inventory, queue, listen, token };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var flagToken = parse.GetValue(token);
            if (flagToken is not null && (!SecretRef.TryParse(flagToken, out var secret) || secret is null))
            {
                io.Error.WriteLine("error: --token takes a secret reference, ${env:NAME} or ${file:/path}, not the token itself (it would show in ps and the shell's history)");
                return ExitCodes.Error;
            }

            var target = FarmClient.Locate(parse.GetValue(inventory)!, parse.GetValue(queue), io);
            if (target is null)
            {
                return ExitCodes.Error;
            }

            // The flags win over the inventory's farm.service, which wins over the defaults; all
            // of it is checked before the queue is contacted.
            var settings = target.Inventory?.FarmService;
            var reference = flagToken ?? settings?.Token?.ToString();
            var address = parse.GetValue(listen) ?? settings?.Listen ?? ListenAddress.Default;
            var (endPoint, listenError) = ListenAddress.Parse(address, hasToken: reference is not null);
            if (endPoint is null)
            {
                io.Error.WriteLine("error: " + listenError);
                return ExitCodes.Error;
            }

            string? tokenValue;
            try
            {
                tokenValue = reference is null ? null : SecretResolver.ResolveHere(reference, "farm service");
            }
            catch (RemoteException e)
            {
                io.Error.WriteLine($"error: {e.Message}; {e.Fix}");
                return ExitCodes.Error;
            }

            if (tokenValue is { Length: < 16 })
            {
                io.Error.WriteLine($"error: the token in {reference} is {tokenValue.Length} characters: use at least 16 (e.g. openssl rand -hex 32)");
                return ExitCodes.Error;
            }

            using var client = await FarmClient.ConnectAsync(target, io, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.Error;
            }

            var app = FarmService.Build(new FarmServiceOptions(endPoint, tokenValue), client.Database, client.Queue, io.Time, io.Error);
            await using (app.ConfigureAwait(false))
            {
                try
                {
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    io.Error.WriteLine($"error: cannot listen on {endPoint}: {e.Message}");
                    return ExitCodes.Error;
                }

                io.Out.WriteLine($"serving the farm on http://{endPoint}/ (queue {Provisioner.Farm.Queue.RedisAddress.Redact(client.Url)}){(tokenValue is null ? "" : ", writes need the token")}; Ctrl-C stops");
                await io.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C: stop serving.
                }

                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
