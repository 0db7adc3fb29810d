using Orleans.Concurrency;

namespace OrleansAgents.Runs;

/// <summary>
/// One durable agent run, keyed by its run ID. The run executes on its own once accepted:
/// no caller needs to stay attached.
/// </summary>
[Alias("OrleansAgents.IAgentRunGrain")]
public interface IAgentRunGrain : IGrainWithStringKey
{
    /// <summary>
    /// Accepts the run durably and returns. Idempotent: the same request under the same ID returns the
    /// existing run; a different request under an existing ID throws <see cref="RunConflictException"/>.
    /// </summary>
    [Alias("Start")]
    Task<RunSnapshot> StartAsync(StartRunRequest request);

    /// <summary>The run's current status. Answers while a step is in flight.</summary>
    [AlwaysInterleave]
    [Alias("GetStatus")]
    Task<RunSnapshot> GetStatusAsync();

    /// <summary>Committed events with a sequence number greater than <paramref name="afterSeq"/>, in order.</summary>
    [AlwaysInterleave]
    [Alias("GetEvents")]
    Task<IReadOnlyList<RunEvent>> GetEventsAsync(long afterSeq, int max);

    /// <summary>
    /// Cancels the run: the step in flight is cancelled and the run ends as Cancelled. Answers once the cancel
    /// is committed (through conflicts and outages it is tried until it is), or the run had already ended. Idempotent.
    /// </summary>
    [Alias("Cancel")]
    Task<RunSnapshot> CancelAsync(string? reason);

    /// <summary>
    /// Approves the action the run waits on. <see cref="RunStateException"/> when it waits on nothing. The same
    /// <paramref name="idempotencyKey"/> again is answered as the first time and applied once;
    /// <see cref="RunConflictException"/> when the key was used for a different request.
    /// </summary>
    [Alias("Approve")]
    Task<RunSnapshot> ApproveAsync(string? comment, string? idempotencyKey = null);

    /// <summary>Rejects the action the run waits on; as <see cref="ApproveAsync(string?, string?)"/>.</summary>
    [Alias("Reject")]
    Task<RunSnapshot> RejectAsync(string? reason, string? idempotencyKey = null);

    /// <summary>
    /// Approves the question asked at <paramref name="requestSeq"/> (the seq of its <c>input.requested</c> event,
    /// <see cref="RunSnapshot.WaitingForSeq"/>), only while it is the open one: <see cref="RunStateException"/> when it was
    /// answered meanwhile (another client, the page) and the run asks another, or waits on nothing. A null
    /// <paramref name="requestSeq"/> answers whatever is open, as <see cref="ApproveAsync(string?, string?)"/>. The key
    /// works as there: the same key again is answered as the first time and applied once.
    /// </summary>
    [Alias("ApproveRequest")]
    Task<RunSnapshot> ApproveAsync(string? comment, string? idempotencyKey, long? requestSeq);

    /// <summary>Rejects the question asked at <paramref name="requestSeq"/>; as <see cref="ApproveAsync(string?, string?, long?)"/>.</summary>
    [Alias("RejectRequest")]
    Task<RunSnapshot> RejectAsync(string? reason, string? idempotencyKey, long? requestSeq);

    /// <summary>
    /// Records a user message in the journal; the agent sees it at its next step boundary. The same
    /// <paramref name="idempotencyKey"/> again records nothing more.
    /// </summary>
    [Alias("SendMessage")]
    Task<RunSnapshot> SendMessageAsync(string message, string? idempotencyKey = null);

    /// <summary>
    /// A front end has live followers of this run: publish committed events on the run's stream until the
    /// lease runs out or <see cref="UnwatchAsync"/>. Runs nobody watches publish nothing.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Watch")]
    Task WatchAsync(string watcherId, TimeSpan lease);

    /// <summary>
    /// A front end has live followers of this run: send committed events straight to <paramref name="observer"/>
    /// until the lease runs out or <see cref="UnwatchAsync"/> with the same <paramref name="watcherId"/>.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Observe")]
    Task ObserveAsync(string watcherId, IRunEventObserver observer, TimeSpan lease);

    /// <summary>The front end's last follower of this run left.</summary>
    [AlwaysInterleave]
    [Alias("Unwatch")]
    Task UnwatchAsync(string watcherId);

    /// <summary>
    /// Makes sure a non-terminal run is active and progressing. Used by recovery when a silo dies;
    /// harmless on a run that is already running or finished.
    /// </summary>
    [Alias("Wake")]
    Task WakeAsync();

    /// <summary>
    /// A child run this run started has ended: recorded once (<c>child.finished</c>), then the run's agent decides.
    /// Idempotent; harmless for a child the run does not know or already heard from. Interleaves: the outcomes of many
    /// children that end together are recorded in one commit.
    /// </summary>
    [AlwaysInterleave]
    [Alias("ChildFinished")]
    Task ChildFinishedAsync(ChildOutcome outcome);
}
