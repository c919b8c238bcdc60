using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Shell;

namespace Provisioner.Core.Checks;

/// <summary>
/// What `check` asks inside a worker VM through its guest agent (bash, as root): is the share
/// (farm.storage) mounted, and can the worker's own user write there; does the queue answer a
/// PING from the VM's side of the network (+PONG, or -NOAUTH from a Redis that wants its
/// password: either way Redis answered; the password itself never goes into the command). Each
/// finding is one line: "ok ..." or "problem ...". Every value was validated at load and is
/// quoted here.
/// </summary>
public static class GuestFarmProbe
{
    public const string Ok = "ok ";
    public const string Problem = "problem ";

    /// <summary>The bash script for the VM's worker; null when there is nothing to ask (no queue, no share).</summary>
    public static string? Script(WorkerSettings worker)
    {
        var lines = new List<string>();
        if (worker.Storage is { } share)
        {
            var mount = ShellQuote.Quote(share.MountPath);
            var shown = share.Source + " at " + share.MountPath;
            lines.Add($"if ! mountpoint -q {mount}; then echo {ShellQuote.Quote(Problem + "the share " + shown + " is not mounted")};");
            lines.Add($"elif probe={mount}/.provision-check-$(hostname) && runuser -u provision-worker -- sh -c 'touch \"$1\" && rm -f \"$1\"' sh \"$probe\" 2>/dev/null; then echo {ShellQuote.Quote(Ok + "the share " + shown + " is mounted and writable by provision-worker")};");
            lines.Add($"else echo {ShellQuote.Quote(Problem + "the share " + shown + " is mounted but provision-worker cannot write there (export it all_squash to the folder's owner, or make it writable)")}; fi");
        }

        if (worker.Kind == "queue" && QueueEndpoint(worker.QueueUrl) is var (host, port))
        {
            var at = host + ":" + port;
            lines.Add($"if exec 3<>/dev/tcp/{ShellQuote.Quote(host)}/{port}; then printf 'PING\\r\\n' >&3; reply=; read -r -t 5 reply <&3;");
            lines.Add($"  case \"$reply\" in +PONG*|-NOAUTH*) echo {ShellQuote.Quote(Ok + "the queue " + at + " answers")};; *) echo {ShellQuote.Quote(Problem + "the queue " + at + " did not answer PING:")} \"${{reply:-nothing in 5 s}}\";; esac; exec 3>&-;");
            lines.Add($"else echo {ShellQuote.Quote(Problem + "the queue " + at + " cannot be reached from the VM (route, firewall, bind address)")}; fi");
        }

        return lines.Count == 0 ? null : string.Join('\n', lines) + "\n";
    }

    /// <summary>redis://HOST:PORT/DB, or a Sentinel URL's first sentinel (port 26379 unless given).</summary>
    /// <remarks>The URL passed the loader's checks (ValueReader.RedisUrl); System.Uri reads its authority, brackets of an IPv6 address included.</remarks>
    public static (string Host, int Port)? QueueEndpoint(string? url)
    {
        if (url is null)
        {
            return null;
        }

        const string Sentinel = "redis-sentinel://";
        var sentinel = url.StartsWith(Sentinel, StringComparison.Ordinal);
        // A Sentinel URL lists its sentinels before the service: the first one is asked.
        var single = sentinel ? "redis://" + url[Sentinel.Length..].Split('/')[0].Split(',')[0] + "/" : url;
        if (!Uri.TryCreate(single, UriKind.Absolute, out var uri))
        {
            return null;
        }

        return (uri.IdnHost.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? (sentinel ? 26379 : 6379) : uri.Port);
    }

    /// <summary>Whether the VM's worker has anything for the probe to ask (a share, or a queue it works from).</summary>
    public static bool HasAnythingToAsk(WorkerSettings worker) => worker.Storage is not null || (worker.Kind == "queue" && worker.QueueUrl is not null);

    /// <summary>The script's findings: the problems (empty when all is well) and the lines that were fine.</summary>
    public static (IReadOnlyList<string> Problems, IReadOnlyList<string> Fine) Read(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return ([.. lines.Where(l => l.StartsWith(Problem, StringComparison.Ordinal)).Select(l => l[Problem.Length..])],
            [.. lines.Where(l => l.StartsWith(Ok, StringComparison.Ordinal)).Select(l => l[Ok.Length..])]);
    }
}
