using System.Collections.Concurrent;
using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>
/// An owner's unfinished runs, for the start quota, without a query per start: the runs table is counted at most
/// once per <see cref="Ttl"/> per owner on this silo (concurrent starts share the query), and the starts and ends
/// this silo commits meanwhile are added to it. Exact for one silo; across silos a count may lag the others'
/// starts and ends by up to <see cref="Ttl"/>. A start that commits while the query is on its way may be counted
/// twice: the quota then refuses a start early, never lets one too many through from this silo.
/// </summary>
internal sealed class UnfinishedRunCounter(JournalStore store, TimeProvider time)
{
    /// <summary>How long one count of the runs table is used.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _owners = new(StringComparer.Ordinal);

    public async Task<int> CountAsync(string owner)
    {
        var entry = _owners.GetOrAdd(owner, _ => new Entry());
        Task<int> query;
        lock (entry)
        {
            var now = time.GetUtcNow();
            if (entry.Query is not { IsFaulted: false, IsCanceled: false } current || (current.IsCompleted && now - entry.IssuedAt >= Ttl))
            {
                entry.Delta = 0;
                entry.IssuedAt = now;
                entry.Query = store.CountUnfinishedRunsAsync(owner);
            }

            query = entry.Query;
        }

        var counted = await query;
        lock (entry)
        {
            return Math.Max(0, counted + entry.Delta);
        }
    }

    /// <summary>Called once a commit is durable: a run's first commit counts it, its terminal commit uncounts it.</summary>
    public void Committed(JournalCommit commit)
    {
        if (commit.Run is not { } row || !_owners.TryGetValue(row.Owner, out var entry))
        {
            return;
        }

        var change = row.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled ? -1
            : commit.Events.Count > 0 && commit.Events[0].Type == RunEventTypes.RunStarted ? 1
            : 0;
        lock (entry)
        {
            entry.Delta += change;
        }
    }

    private sealed class Entry
    {
        public Task<int>? Query { get; set; }

        public DateTimeOffset IssuedAt { get; set; }

        public int Delta { get; set; }
    }
}
