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

    public async IAsyncEnumerable<RunEvent> FollowAsync(string runId, long after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Subscribe before reading the record, so nothing committed in between is missed.
        await using var live = await hub.SubscribeAsync(runId, settings.ClientBufferEvents, cancellationToken);
        var follow = new FollowSettings(PageSize, FollowerIdle,
            e => AgentsTelemetry.EventLag.Record((DateTimeOffset.UtcNow - e.At).TotalMilliseconds));
        await foreach (var e in ResumeRule.FollowAsync(new JournalRecord(store, runId), live, after, follow, cancellationToken))
        {
            yield return e;
        }
    }
}
