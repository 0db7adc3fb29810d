namespace OrleansAgents.Journal;

/// <summary>
/// One atomic unit of a run's journal: its new events and, when the run's status or silo changed, its
/// runs-table row commit together or not at all.
/// </summary>
public sealed record JournalCommit(string RunId, IReadOnlyList<NewEvent> Events, RunRow? Run);
