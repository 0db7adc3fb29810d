using Polly;
using Polly.Retry;

namespace OrleansAgents.Runs;

/// <summary>
/// The retry pipeline of every call that waits out an outage (no worker can take it, PostgreSQL is down, a silo went
/// away): the call again, with exponential backoff and jitter, while <c>shouldRetry</c> says its failure is worth it,
/// for up to a time limit in all; past the limit the pipeline throws Polly's <see cref="Polly.Timeout.TimeoutRejectedException"/>.
/// The caller's cancellation stops it at once.
/// </summary>
public static class UnavailableRetry
{
    /// <summary>A pipeline that retries for up to <paramref name="limit"/>, waiting <paramref name="firstDelay"/> doubling to <paramref name="maxDelay"/> between tries.</summary>
    public static ResiliencePipeline Within(TimeSpan limit, TimeSpan firstDelay, TimeSpan maxDelay, Func<Exception, bool> shouldRetry) =>
        new ResiliencePipelineBuilder()
            .AddTimeout(limit)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle(shouldRetry),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay,
                MaxDelay = maxDelay,
            })
            .Build();
}
