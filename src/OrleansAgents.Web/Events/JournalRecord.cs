using OrleansAgents.Following;
using OrleansAgents.Journal;
using OrleansAgents.Runs;

namespace OrleansAgents.Web.Events;

/// <summary>One run's journal in PostgreSQL as the record a follower reads.</summary>
internal sealed class JournalRecord(JournalStore store, string runId) : IRunEventRecord
{
    public async Task<IReadOnlyList<RunEvent>> ReadAsync(long after, int limit, CancellationToken cancellationToken) =>
        await store.ReadEventsAsync(runId, after, limit, cancellationToken);

    public async Task<bool> EndedAtOrBeforeAsync(long after, CancellationToken cancellationToken) =>
        await store.ReadLastEventAsync(runId, cancellationToken) is { } last && RunEventTypes.IsTerminal(last.Type) && last.Seq <= after;
}
