using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>What a run reads to resume: its last snapshot, if any, and the events after it.</summary>
/// <param name="Snapshot">The snapshot's JSON, or null when the run has none.</param>
/// <param name="SnapshotSeq">The seq the snapshot is as of (0 without one).</param>
/// <param name="Events">Committed events with seq above <paramref name="SnapshotSeq"/>, in order.</param>
public sealed record RunJournalTail(string? Snapshot, long SnapshotSeq, IReadOnlyList<RunEvent> Events);
