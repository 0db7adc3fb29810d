namespace OrleansAgents.Journal;

/// <summary>The database stayed unreachable for longer than the configured retry limit.</summary>
public sealed class JournalUnavailableException(Exception? inner = null)
    : Exception("The run journal could not be written: PostgreSQL is unreachable.", inner);
