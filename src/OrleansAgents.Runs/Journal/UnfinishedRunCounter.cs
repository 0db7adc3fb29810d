using System.Collections.Concurrent;
using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>
/// An owner's unfinished runs, for the start quota, without a query per start: the runs table is counted at most
/// once per <see cref="Ttl"/> per owner on this silo (concurrent starts share the query), and the starts and ends
/// this silo commits after the count was asked for are added to that count. Exact for one silo, up to the
/// commits that land while a count is on its way (a start then counted twice refuses a start early; an end counted
/// twice lets one more through); across silos a count lags the others' starts and ends by up to <see cref="Ttl"/>.
/// </summary>
internal sealed class UnfinishedRunCounter(JournalStore store, TimeProvider time)
{
    /// <summary>How long one count of the runs table is used.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _owners = new(StringComparer.Ordinal);

    public async Task<int> CountAsync(string owner)
    {
        var entry = _owners.GetOrAdd(owner, _ => new Entry());
        Count count;
        lock (entry)
        {
            var now = time.GetUtcNow();
            if (entry.Current is not { Query: { IsFaulted: false, IsCanceled: false } query } current || (query.IsCompleted && now - current.IssuedAt >= Ttl))
            {
                entry.Current = new Count(store.CountUnfinishedRunsAsync(owner), now);
            }

            count = entry.Current;
        }

        var counted = await count.Query;
        lock (entry)
        {
            return Math.Max(0, counted + count.Delta); // this count's own changes, not a newer count's
        }
    }

    /// <summary>Called once a commit is durable: a run's first commit counts it, its terminal commit uncounts it (both: neither).</summary>
    public void Committed(JournalCommit commit)
    {
        if (commit.Run is not { } row || !_owners.TryGetValue(row.Owner, out var entry))
        {
            return;
        }

        var started = commit.Events.Count > 0 && commit.Events[0].Type == RunEventTypes.RunStarted ? 1 : 0;
        var ended = row.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled ? 1 : 0;
        lock (entry)
        {
            if (entry.Current is { } current)
            {
                current.Delta += started - ended;
            }
        }
    }

    private sealed class Entry
    {
        public Count? Current { get; set; }
    }

    /// <summary>One count of the runs table and the commits this silo made since it was asked for.</summary>
    private sealed class Count(Task<int> query, DateTimeOffset issuedAt)
    {
        public Task<int> Query { get; } = query;

        public DateTimeOffset IssuedAt { get; } = issuedAt;

        public int Delta { get; set; }
    }
}
