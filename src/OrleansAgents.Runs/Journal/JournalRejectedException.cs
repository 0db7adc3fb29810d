namespace OrleansAgents.Journal;

/// <summary>
/// PostgreSQL refused a commit for what it holds (a value it cannot store, a constraint): sending the same
/// commit again fails the same way. The run records the failure instead of running its step again.
/// </summary>
public sealed class JournalRejectedException(string runId, Exception inner)
    : Exception($"PostgreSQL refused run '{runId}''s commit: {inner.Message}", inner);
