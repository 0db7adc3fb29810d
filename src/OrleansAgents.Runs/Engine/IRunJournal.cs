using OrleansAgents.Journal;

namespace OrleansAgents.Runs.Engine;

/// <summary>The journal as a run sees it: its commits and its reads. PostgreSQL in a silo, a simulation in tests.</summary>
internal interface IRunJournal
{
    /// <summary>Whether step bodies are recorded before they run (<see cref="AuditExecutionAsync"/>).</summary>
    bool AuditsExecutions { get; }

    /// <summary>Commits the events (and runs-table row) atomically.</summary>
    /// <exception cref="JournalConflictException">Another commit holds these sequence numbers.</exception>
    /// <exception cref="JournalUnavailableException">PostgreSQL stayed unreachable past the retry limit.</exception>
    /// <exception cref="JournalRejectedException">PostgreSQL refused what the commit holds.</exception>
    Task CommitAsync(JournalCommit commit);

    /// <summary>Every event of the run, from the first.</summary>
    Task<IReadOnlyList<Runs.RunEvent>> ReadAllAsync(string runId);

    /// <summary>The run's last snapshot and the events after it: what a resume reads.</summary>
    Task<RunJournalTail> ReadTailAsync(string runId);

    Task<Runs.RunEvent?> ReadLastAsync(string runId);

    /// <summary>Records, durably, that a step body is about to run (drills and tests).</summary>
    Task AuditExecutionAsync(string runId, int step, string silo);

    /// <summary>How many runs of the owner are unfinished (pending, running, waiting for input).</summary>
    Task<int> CountUnfinishedRunsAsync(string owner);

    /// <summary>Deletes everything of a run but its header: events, snapshot, runs row, audit, stream state, reminder.</summary>
    Task DeleteRunAsync(string runId, string grainId);
}
