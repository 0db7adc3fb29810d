using OrleansAgents.Runs;

namespace OrleansAgents.Client;

/// <summary>Runs by ID, for internal services. No Orleans types leak through this interface.</summary>
public interface IAgentRuns
{
    /// <summary>Starts (or returns the existing) run. Idempotent by run ID.</summary>
    Task<RunSnapshot> StartAsync(string runId, string agent, string inputJson, CancellationToken cancellationToken = default);

    Task<RunSnapshot> GetAsync(string runId, CancellationToken cancellationToken = default);

    Task<RunSnapshot> CancelAsync(string runId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Approves what the run waits on. A call whose answer was lost (a timeout) is sent again with the same
    /// idempotency key, so it is applied once; pass <paramref name="idempotencyKey"/> to make your own retries safe too.
    /// </summary>
    Task<RunSnapshot> ApproveAsync(string runId, string? comment = null, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Approves the question the run asked at <paramref name="requestSeq"/> (the seq of its <c>input.requested</c> event,
    /// <see cref="RunSnapshot.WaitingForSeq"/>), and only that one: when someone else answered it and the run now asks
    /// another, the call throws <see cref="RunStateException"/> instead of approving a question the caller never saw.
    /// Retried as <see cref="ApproveAsync(string, string?, string?, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="requestSeq"/> is less than 1.</exception>
    Task<RunSnapshot> ApproveAsync(string runId, long requestSeq, string? comment = null, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Rejects what the run waits on; retried as <see cref="ApproveAsync(string, string?, string?, CancellationToken)"/>.</summary>
    Task<RunSnapshot> RejectAsync(string runId, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Rejects the question asked at <paramref name="requestSeq"/> and only that one; as <see cref="ApproveAsync(string, long, string?, string?, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="requestSeq"/> is less than 1.</exception>
    Task<RunSnapshot> RejectAsync(string runId, long requestSeq, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a steer message; retried as <see cref="ApproveAsync(string, string?, string?, CancellationToken)"/>, so it is recorded once.</summary>
    Task<RunSnapshot> SendMessageAsync(string runId, string message, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Runs newest first, optionally by status and owner (null: every owner).</summary>
    Task<IReadOnlyList<RunSummary>> ListAsync(RunStatus? status = null, string? owner = null, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every committed event with seq &gt; <paramref name="afterSeq"/> exactly once, in order: the record first,
    /// then live, ending after the terminal event. Survives the cluster's failures by reading the record again.
    /// Streamed model text is part of the record: <see cref="RunEventTypes.StepDelta"/> drafts, a few a second,
    /// numbered like every event, so a watch resumed mid-generation goes on exactly where it stopped.
    /// </summary>
    IAsyncEnumerable<RunEvent> WatchAsync(string runId, long afterSeq = 0, CancellationToken cancellationToken = default);
}

/// <summary>A run as listed.</summary>
public sealed record RunSummary(string RunId, string Agent, string Owner, RunStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
