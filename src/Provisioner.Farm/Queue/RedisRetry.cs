using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace Provisioner.Farm.Queue;

/// <summary>
/// Retries a queue operation while Redis is unreachable (restarting, failing over, a network
/// blip): every script is safe to run again, because each one checks the state it changes.
/// </summary>
internal static class RedisRetry
{
    public static ResiliencePipeline Create(TimeSpan patience) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder()
                .Handle<RedisConnectionException>()
                .Handle<RedisTimeoutException>()
                .Handle<RedisServerException>(e => Transient(e.Message)),
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(2),
            UseJitter = true,
            MaxRetryAttempts = Math.Max(1, (int)(patience.TotalSeconds / 1.5)),
        })
        .Build();

    /// <summary>
    /// Server errors that pass by themselves: a server still loading its data (LOADING); during a
    /// failover, a write that reached a replica (READONLY: the client had not yet learned of the
    /// promotion, and a replica runs nothing of a script that writes), the same inside a
    /// transaction (EXECABORT: discarded whole, nothing of it ran; our transactions hold fixed
    /// commands, so the cause is the server's state, not the call) or a replica cut off from its
    /// primary (MASTERDOWN).
    /// </summary>
    internal static bool Transient(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal)
        || message.StartsWith("EXECABORT", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal);
}
