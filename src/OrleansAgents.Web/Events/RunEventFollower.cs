using Microsoft.Extensions.Options;
using OrleansAgents.Following;
using OrleansAgents.Journal;
using OrleansAgents.Runs;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Web.Events;

/// <summary>
/// The front end's follower: the shared <see cref="ResumeRule"/> over the journal in PostgreSQL (the record) and
/// this silo's live subscription to the run (<see cref="RunEventHub"/>).
/// </summary>
public sealed class RunEventFollower(RunEventHub hub, JournalStore store, IOptions<FrontEndOptions> options)
{
    private const int PageSize = 500;

    /// <summary>
    /// A follower's own safety net. The hub checks the journal for a quiet run once for all its followers and wakes
    /// them when something was missed (<see cref="FrontEndOptions.IdleJournalCheck"/>), so each follower reads the
    /// record on its own only after this much silence.
    /// </summary>
    private static readonly TimeSpan FollowerIdle = TimeSpan.FromSeconds(60);

    /// <summary>The same for every follower (one object, not one per client).</summary>
    private static readonly FollowSettings Settings = new(PageSize, FollowerIdle,
        e => AgentsTelemetry.EventLag.Record((DateTimeOffset.UtcNow - e.At).TotalMilliseconds));

    /// <summary>Every event of the run after <paramref name="after"/>, then its live tail, to its terminal event.</summary>
    public IAsyncEnumerable<RunEvent> FollowAsync(string runId, long after, CancellationToken cancellationToken) =>
        new FollowedRun(hub, store, runId, after, options.Value.ClientBufferEvents, Settings, cancellationToken);
}
