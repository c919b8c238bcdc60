using StackExchange.Redis;

namespace Provisioner.Farm.Queue;

/// <summary>
/// The queue's address as the inventory writes it (<c>redis://HOST:PORT/DB</c> or <c>rediss://</c>
/// for TLS) turned into StackExchange.Redis options. The password never sits in the URL: it comes
/// from the inventory's secret reference (or PROVISION_QUEUE_PASSWORD in a worker VM).
/// </summary>
public static class RedisAddress
{
    public static ConfigurationOptions Parse(string url, string? password)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new FormatException($"queue URL '{url}' is not redis://HOST:PORT/DB (or rediss:// for TLS)");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new FormatException($"queue URL '{Redact(url)}' carries credentials: put the password in queue_password (a secret reference) instead");
        }

        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, System.Globalization.CultureInfo.InvariantCulture, out database) || database is < 0 or > 15))
        {
            throw new FormatException($"queue URL '{url}': the database '{path}' must be a number from 0 to 15");
        }

        var options = new ConfigurationOptions
        {
            EndPoints = { { uri.Host, uri.Port > 0 ? uri.Port : 6379 } },
            DefaultDatabase = database,
            Ssl = uri.Scheme == "rediss",
            Password = string.IsNullOrEmpty(password) ? null : password,
            // Keep trying in the background when Redis is down or restarting; callers retry.
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            SyncTimeout = 10000,
            AsyncTimeout = 10000,
            ClientName = "provisioner-farm",
        };
        return options;
    }

    /// <summary>The URL with any user info cut out, for messages.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? url.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
            : url;

    public static async Task<ConnectionMultiplexer> ConnectAsync(string url, string? password, CancellationToken cancellationToken)
    {
        var options = Parse(url, password);
        return await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
