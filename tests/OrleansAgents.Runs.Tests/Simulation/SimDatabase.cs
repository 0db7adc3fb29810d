using OrleansAgents.Journal;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// The durable side of the simulated cluster (what PostgreSQL holds: journals, runs rows, headers,
/// reminders) and the witness of everything that happened, in one global order: commits, step
/// executions, side effects in the world, acknowledged commands, expiries.
/// </summary>
internal sealed class SimDatabase(SimScheduler scheduler)
{
    private long _order;

    public Dictionary<string, List<(RunEvent Event, long Order)>> Journals { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RunRow> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>Each run's latest snapshot, written with its commit (<c>oa_run_snapshots</c>).</summary>
    public Dictionary<string, (long Seq, string Data)> Snapshots { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RunHeader> Headers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, TimeSpan> Reminders { get; } = new(StringComparer.Ordinal);

    public List<Execution> Executions { get; } = [];

    /// <summary>Which activation committed each journal entry, by its global order.</summary>
    public Dictionary<long, string> CommittedBy { get; } = [];

    public List<Effect> Effects { get; } = [];

    public List<Ack> Acks { get; } = [];

    public List<(string RunId, long Order)> Expiries { get; } = [];

    /// <summary>When a run's activation lost what it knew: it died, deactivated, raced another, or lost a commit's acknowledgement.</summary>
    public List<(string RunId, long Order)> Disruptions { get; } = [];

    public void Disrupted(string runId) => Disruptions.Add((runId, NextOrder()));

    /// <summary>Journals removed by retention, as they were: checked like the live ones at the end.</summary>
    public List<(string RunId, List<(RunEvent Event, long Order)> Journal, long DeletedAt)> Archive { get; } = [];

    /// <summary>Broken promises seen while the schedule ran (an acknowledged command missing from the journal).</summary>
    public List<string> Violations { get; } = [];

    /// <summary>Notable moments, for the report of a failed schedule.</summary>
    public List<string> Trace { get; } = [];

    public DateTimeOffset OutageUntil { get; set; }

    public bool IsDown => scheduler.Clock.GetUtcNow() < OutageUntil;

    public long NextOrder() => ++_order;

    public void Note(string what) => Trace.Add($"{scheduler.Clock.GetUtcNow():mm:ss.fff} #{_order} {what}");

    public IReadOnlyList<RunEvent> Journal(string runId) =>
        Journals.TryGetValue(runId, out var journal) ? [.. journal.Select(e => e.Event)] : [];

    /// <summary>Inserts the events and upserts the row in one transaction; false when a sequence number is taken.</summary>
    public bool TryApply(JournalCommit commit, string committer)
    {
        if (!Journals.TryGetValue(commit.RunId, out var journal))
        {
            Journals[commit.RunId] = journal = [];
        }

        var taken = journal.Select(e => e.Event.Seq).ToHashSet();
        if (commit.Events.Any(e => taken.Contains(e.Seq)))
        {
            return false;
        }

        foreach (var e in commit.Events)
        {
            var order = NextOrder();
            journal.Add((new RunEvent(commit.RunId, e.Seq, e.Type, e.At, e.Data), order));
            CommittedBy[order] = committer;
        }

        journal.Sort((a, b) => a.Event.Seq.CompareTo(b.Event.Seq));
        if (commit.Snapshot is { } snapshot && (!Snapshots.TryGetValue(commit.RunId, out var old) || old.Seq < commit.Events[^1].Seq))
        {
            Snapshots[commit.RunId] = (commit.Events[^1].Seq, snapshot);
        }

        if (commit.DropSnapshot)
        {
            Snapshots.Remove(commit.RunId);
        }

        if (commit.Run is { } row && (!Runs.TryGetValue(commit.RunId, out var existing) || existing.LastSeq < row.LastSeq))
        {
            Runs[commit.RunId] = row;
        }

        Note($"{commit.RunId} committed {string.Join(", ", commit.Events.Select(e => $"{e.Seq}:{e.Type}"))}");
        return true;
    }

    /// <summary>Everything of a run but its header, in one transaction.</summary>
    public void DeleteRun(string runId)
    {
        if (Journals.Remove(runId, out var journal))
        {
            Archive.Add((runId, journal, NextOrder()));
        }

        Runs.Remove(runId);
        Snapshots.Remove(runId);
        Reminders.Remove(runId);
        Note($"{runId} deleted");
    }
}

/// <summary>A step body started: by which activation, knowing the journal up to which seq.</summary>
internal sealed record Execution(string RunId, int Step, string Key, string Activation, long ViewSeq, long Order, bool Racing);

/// <summary>A side effect reached the world.</summary>
internal sealed record Effect(string RunId, int Step, string Key, string Kind, long Order);

/// <summary>A command a client saw answered with success.</summary>
internal sealed record Ack(string RunId, string Command, string? Key, long Order);
