using Provisioner.Cli.Output;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Farm.Queue;
using Provisioner.Remote.Secrets;
using Provisioner.Remote.Ssh;
using StackExchange.Redis;

namespace Provisioner.Cli.Commands.Farm;

/// <summary>
/// The farm commands' connection to the queue. Its address comes from the inventory (the
/// worker VMs' <c>worker.queue_url</c> and <c>queue_password</c> reference), so `provision farm`
/// works on the same file as apply; <c>--queue</c> overrides it.
/// </summary>
internal sealed class FarmClient(ConnectionMultiplexer connection, string url) : IDisposable
{
    public string Url { get; } = url;

    public IDatabase Database => connection.GetDatabase();

    // Patient enough to ride out a Sentinel failover (a few seconds), not a dead queue.
    public FarmQueue Queue { get; } = new(connection.GetDatabase(), TimeProvider.System, Patience(url), RedisAddress.ReplicasToWait(url));

    private static TimeSpan Patience(string url) => TimeSpan.FromSeconds(RedisAddress.IsSentinel(url) ? 30 : 5);

    public FarmReader Reader => new(Database, Queue);

    public void Dispose() => connection.Dispose();

    /// <summary>Connects, or prints why not (inventory diagnostics, no or several queues, Redis not answering) and returns null.</summary>
    public static async Task<FarmClient?> OpenAsync(string inventoryPath, string? queueOverride, CliIo io, CancellationToken cancellationToken) =>
        Locate(inventoryPath, queueOverride, io) is { } target ? await ConnectAsync(target, io, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Which queue, and the inventory it came from, without touching the network; null (with the reason printed) when there is none.</summary>
    public static FarmTarget? Locate(string inventoryPath, string? queueOverride, CliIo io)
    {
        var (url, passwordRef, inventory) = queueOverride is not null
            ? (queueOverride, Environment.GetEnvironmentVariable("PROVISION_QUEUE_PASSWORD") is { Length: > 0 } ? "${env:PROVISION_QUEUE_PASSWORD}" : null, null)
            : FromInventory(inventoryPath, io);
        return url is null ? null : new FarmTarget(url, passwordRef, inventory);
    }

    /// <summary>Connects to a located queue, or prints why not and returns null.</summary>
    public static async Task<FarmClient?> ConnectAsync(FarmTarget target, CliIo io, CancellationToken cancellationToken)
    {
        var (url, passwordRef, _) = target;
        try
        {
            var password = passwordRef is null ? null : SecretResolver.ResolveHere(passwordRef, "farm queue");
            var connection = await RedisAddress.ConnectNowAsync(url, password, Patience(url), cancellationToken).ConfigureAwait(false);
            return new FarmClient(connection, url);
        }
        catch (FormatException e)
        {
            io.Error.WriteLine("error: " + e.Message);
        }
        catch (RemoteException e)
        {
            io.Error.WriteLine($"error: {e.Message}; {e.Fix}");
        }
        catch (RedisConnectionException e)
        {
            io.Error.WriteLine($"error: the queue at {RedisAddress.Redact(url)} does not answer ({e.Message.Split('\n')[0]})");
            io.Error.WriteLine("  is redis-server running there and reachable from this machine? (--queue URL points elsewhere)");
        }

        return null;
    }

    private static (string? Url, string? PasswordRef, Provisioner.Core.Inventory.Model.Inventory? Inventory) FromInventory(string path, CliIo io)
    {
        var load = InventoryLoader.LoadFile(path);
        DiagnosticPrinter.Print(load.Diagnostics, io.Error);
        if (load.Inventory is null)
        {
            return (null, null, null);
        }

        var queues = load.Inventory.Hosts.SelectMany(h => h.Gpus).Select(g => g.Vm.Worker)
            .Where(w => w.Kind == "queue" && w.QueueUrl is not null)
            .Select(w => (Url: w.QueueUrl!, Password: w.QueuePassword?.ToString()))
            .Distinct()
            .ToList();
        switch (queues.Count)
        {
            case 1:
                return (queues[0].Url, queues[0].Password, load.Inventory);
            case 0:
                io.Error.WriteLine($"error: {path} has no worker VM of kind 'queue', so it names no queue");
                io.Error.WriteLine("  set defaults.vm.worker.queue_url (and kind: queue), or pass --queue redis://HOST:6379/0");
                return (null, null, null);
            default:
                io.Error.WriteLine($"error: {path} names {queues.Count} queues ({string.Join(", ", queues.Select(q => q.Url).Distinct())}): pick one with --queue");
                return (null, null, null);
        }
    }
}

/// <summary>A queue to connect to: its URL, its password's reference, and the inventory that named it (null with --queue).</summary>
internal sealed record FarmTarget(string Url, string? PasswordRef, Provisioner.Core.Inventory.Model.Inventory? Inventory);
