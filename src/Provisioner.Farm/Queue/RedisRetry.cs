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
                .Handle<RedisServerException>(e => e.Message.StartsWith("LOADING", StringComparison.Ordinal)),
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(2),
            UseJitter = true,
            MaxRetryAttempts = Math.Max(1, (int)(patience.TotalSeconds / 1.5)),
        })
        .Build();
}
