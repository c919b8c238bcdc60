using System.Globalization;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Provisioner.Farm.Queue;

/// <summary>
/// The queue's address as the inventory writes it turned into StackExchange.Redis options:
/// <c>redis://HOST:PORT/DB</c> (<c>rediss://</c> for TLS) for one server, or
/// <c>redis-sentinel://HOST1[:PORT],HOST2,HOST3/SERVICE[/DB]</c> for a primary that Redis Sentinel
/// watches (port 26379 by default): the client asks the sentinels for the primary and follows the
/// replica they promote. The password never sits in the URL: it comes from the inventory's secret
/// reference (or PROVISION_QUEUE_PASSWORD in a worker VM).
/// </summary>
public static partial class RedisAddress
{
    public const string SentinelScheme = "redis-sentinel";

    /// <summary>True for a Sentinel-managed queue: its writes that must survive a failover wait for a replica (<see cref="FarmQueue"/>).</summary>
    public static bool IsSentinel(string url) => url.StartsWith(SentinelScheme + "://", StringComparison.Ordinal);

    /// <summary>How many replicas a write that must not be lost waits for: one under Sentinel, none on a lone server (it has none).</summary>
    public static int ReplicasToWait(string url) => IsSentinel(url) ? 1 : 0;

    public static ConfigurationOptions Parse(string url, string? password)
    {
        if (IsSentinel(url))
        {
            return Sentinel(url, password);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new FormatException($"queue URL '{Shown(url)}' is not redis://HOST:PORT/DB (or rediss:// for TLS, or redis-sentinel://HOST1,HOST2,HOST3/SERVICE)");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new FormatException($"queue URL '{Redact(url)}' carries credentials: put the password in queue_password (a secret reference) instead");
        }

        var options = Common(password);
        options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
        options.DefaultDatabase = Database(uri.AbsolutePath.Trim('/'), url);
        options.Ssl = uri.Scheme == "rediss";
        return options;
    }

    // redis-sentinel://h1:26379,h2,h3/mymaster/0: System.Uri takes no host list, so it is split here.
    private static ConfigurationOptions Sentinel(string url, string? password)
    {
        var rest = url[(SentinelScheme.Length + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var hosts = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? [] : rest[(slash + 1)..].Split('/');
        if (hosts.Contains('@', StringComparison.Ordinal))
        {
            throw new FormatException($"queue URL '{Redact(url)}' carries credentials: put the password in queue_password (a secret reference) instead");
        }

        if (path.Length is < 1 or > 2 || !ServiceName().IsMatch(path[0]))
        {
            throw new FormatException($"queue URL '{Shown(url)}' names no Sentinel service: write redis-sentinel://HOST1,HOST2,HOST3/SERVICE (the name in the sentinels' 'sentinel monitor' line)");
        }

        var options = Common(password);
        foreach (var host in hosts.Split(','))
        {
            var match = SentinelHost().Match(host);
            if (!match.Success || (match.Groups["port"].Success && int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture) is < 1 or > 65535))
            {
                throw new FormatException($"queue URL '{Shown(url)}': '{Shown(host)}' is not a sentinel's HOST or HOST:PORT");
            }

            options.EndPoints.Add(match.Groups["host"].Value, match.Groups["port"].Success ? int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture) : 26379);
        }

        options.ServiceName = path[0];
        // The client connects to every replica the sentinels list, and waits out the connect
        // timeout for one that is down (as the old primary is after a failover, until it is back):
        // a short timeout keeps each fresh connection, such as a `farm status`, quick meanwhile.
        options.ConnectTimeout = 1000;
        options.DefaultDatabase = Database(path.Length > 1 ? path[1] : "", url);
        return options;
    }

    private static ConfigurationOptions Common(string? password) => new()
    {
        Password = string.IsNullOrEmpty(password) ? null : password,
        // Keep trying in the background when Redis is down, restarting or failing over; callers retry.
        AbortOnConnectFail = false,
        ConnectTimeout = 5000,
        // Every queue command is a short script (nothing blocks), so a reply that has not come in
        // 3 s is not coming: the primary is gone. Time out then and let RedisRetry ask again, by
        // which time a Sentinel failover has usually named the new primary, rather than waiting
        // 10 s (the client's default) per attempt on a dead connection.
        SyncTimeout = 3000,
        AsyncTimeout = 3000,
        ClientName = "provisioner-farm",
    };

    private static int Database(string path, string url) =>
        path.Length == 0 ? 0
        : int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var database) && database <= 15 ? database
        : throw new FormatException($"queue URL '{Shown(url)}': the database '{Shown(path)}' must be a number from 0 to 15");

    /// <summary>The URL with any user info cut out, for messages.</summary>
    public static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return Shown(at > scheme && scheme >= 0 ? url[..(scheme + 3)] + "***@" + url[(at + 1)..] : url);
    }

    // A URL from an inventory or a command line may hold control characters: never echo them raw.
    private static string Shown(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture) : c.ToString()));

    public static async Task<ConnectionMultiplexer> ConnectAsync(string url, string? password, CancellationToken cancellationToken)
    {
        var options = Parse(url, password);
        return await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects for a command that runs once (the CLI): throws RedisConnectionException when the
    /// queue does not answer, but under Sentinel keeps trying for <paramref name="patience"/>,
    /// because in a failover the sentinels name no usable primary for a few seconds.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectNowAsync(string url, string? password, TimeSpan patience, CancellationToken cancellationToken)
    {
        var options = Parse(url, password);
        options.AbortOnConnectFail = true;
        var attempts = IsSentinel(url) ? RedisRetry.Create(patience) : Polly.ResiliencePipeline.Empty;
        return await attempts.ExecuteAsync(
            async token => await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex(@"\A(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::(?<port>[0-9]{1,5}))?\z")]
    private static partial Regex SentinelHost();

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex ServiceName();
}
