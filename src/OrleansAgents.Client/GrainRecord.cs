using OrleansAgents.Following;
using OrleansAgents.Runs;
using Polly;
using Polly.Retry;

namespace OrleansAgents.Client;

/// <summary>A run's record read through its grain (which reads the journal).</summary>
internal sealed class GrainRecord(IAgentRunGrain run) : IRunEventRecord
{
    private const int Attempts = 60;

    /// <summary>
    /// A silo died or is starting, the run is still there: asked again every 250 ms, 60 times in all. A run that does
    /// not exist is not asked about again.
    /// </summary>
    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not RunNotFoundException),
            MaxRetryAttempts = Attempts - 1,
            BackoffType = DelayBackoffType.Constant,
            Delay = TimeSpan.FromMilliseconds(250),
        })
        .Build();

    public async Task<IReadOnlyList<RunEvent>> ReadAsync(long after, int limit, CancellationToken cancellationToken) =>
        await Retry.ExecuteAsync(async ct => await run.GetEventsAsync(after, limit).WaitAsync(ct), cancellationToken);

    public async Task<bool> EndedAtOrBeforeAsync(long after, CancellationToken cancellationToken)
    {
        var snapshot = await Retry.ExecuteAsync(async ct => await run.GetStatusAsync().WaitAsync(ct), cancellationToken);
        return snapshot.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled && snapshot.LastSeq <= after;
    }
}
