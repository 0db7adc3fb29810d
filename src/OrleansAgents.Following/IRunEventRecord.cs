using OrleansAgents.Runs;

namespace OrleansAgents.Following;

/// <summary>A run's record (its journal): what the follower reads first and falls back to.</summary>
public interface IRunEventRecord
{
    /// <summary>Committed events with a sequence number greater than <paramref name="after"/>, in order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RunEvent>> ReadAsync(long after, int limit, CancellationToken cancellationToken);

    /// <summary>True when the run has ended and its terminal event's number is at most <paramref name="after"/>: nothing more will come.</summary>
    Task<bool> EndedAtOrBeforeAsync(long after, CancellationToken cancellationToken);
}
