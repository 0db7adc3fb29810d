using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>An event about to be committed; the sequence number is assigned by the run.</summary>
public sealed record NewEvent(long Seq, string Type, DateTimeOffset At, string Data);

/// <summary>The runs-table row written in the same statement as the events.</summary>
public sealed record RunRow(
    string RunId,
    string Owner,
    string Agent,
    string AgentVersion,
    RunStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long LastSeq,
    int Steps,
    string? Silo,
    long TotalTokens = 0);

/// <summary>
/// One atomic unit of a run's journal: its new events and, when the run's status or silo changed, its
/// runs-table row commit together or not at all.
/// </summary>
public sealed record JournalCommit(string RunId, IReadOnlyList<NewEvent> Events, RunRow? Run);

/// <summary>
/// A commit collided with events already stored under the same sequence numbers: another activation
/// of the run committed first, or an earlier attempt of this very commit succeeded without its
/// acknowledgement arriving. The run reloads its journal and carries on from what is stored.
/// </summary>
public sealed class JournalConflictException(string runId, Exception inner)
    : Exception($"Run '{runId}' has events at these sequence numbers already.", inner);

/// <summary>The database stayed unreachable for longer than the configured retry limit.</summary>
public sealed class JournalUnavailableException(Exception inner)
    : Exception("The run journal could not be written: PostgreSQL is unreachable.", inner);
