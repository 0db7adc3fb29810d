namespace OrleansAgents.Journal;

/// <summary>
/// A commit collided with events already stored under the same sequence numbers: another activation
/// of the run committed first, or an earlier attempt of this very commit succeeded without its
/// acknowledgement arriving. The run reloads its journal and carries on from what is stored.
/// </summary>
public sealed class JournalConflictException(string runId, Exception? inner = null)
    : Exception($"Run '{runId}' has events at these sequence numbers already.", inner);
