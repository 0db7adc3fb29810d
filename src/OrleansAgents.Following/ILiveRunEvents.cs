using OrleansAgents.Runs;

namespace OrleansAgents.Following;

/// <summary>
/// A run's live events as one follower receives them: possibly late, lost, repeated or out of order; the
/// follower uses them only while they arrive in sequence.
/// </summary>
public interface ILiveRunEvents
{
    /// <summary>Set when events were dropped since the last <see cref="Reset"/> (a full buffer).</summary>
    bool Lagging { get; }

    /// <summary>The next live event, or null after <paramref name="idle"/> of silence.</summary>
    ValueTask<RunEvent?> ReadAsync(TimeSpan idle, CancellationToken cancellationToken);

    /// <summary>Drops what is buffered and clears <see cref="Lagging"/>, before the follower reads the record again.</summary>
    void Reset();

    /// <summary>Nothing came for a while: the run may have moved to another silo and forgotten this watcher. Renew the watch.</summary>
    void Renew();
}
