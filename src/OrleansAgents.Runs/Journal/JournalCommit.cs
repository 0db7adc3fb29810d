namespace OrleansAgents.Journal;

/// <summary>
/// One atomic unit of a run's journal: its new events, when the run's status or silo changed its runs-table
/// row, and now and then a snapshot of the run's state as of the last of these events: all commit together or
/// not at all.
/// </summary>
public sealed record JournalCommit(string RunId, IReadOnlyList<NewEvent> Events, RunRow? Run)
{
    /// <summary>The run's state as of the last event (JSON), replacing its previous snapshot; null: none with this commit.</summary>
    public string? Snapshot { get; init; }

    /// <summary>The run ends with this commit: its snapshot goes (a finished run is read from its last event).</summary>
    public bool DropSnapshot { get; init; }
}
