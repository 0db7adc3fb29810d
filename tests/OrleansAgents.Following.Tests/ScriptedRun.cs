using OrleansAgents.Runs;

namespace OrleansAgents.Following.Tests;

/// <summary>
/// A run that commits <c>length</c> events (the last terminal) as the follower reads, with a record that holds what
/// is committed and a live feed that, by a seeded choice at each read, delivers the next event, repeats an old one,
/// skips ahead, delivers out of order, falls silent or overflows.
/// </summary>
internal sealed class ScriptedRun(int length, int seed) : IRunEventRecord, ILiveRunEvents
{
    private readonly Random _random = new(seed);
    private long _committed;
    private long _delivered;

    public int RecordReads { get; private set; }

    public int LiveReads { get; private set; }

    public int Renewals { get; private set; }

    public bool Lagging { get; private set; }

    public static RunEvent Event(long seq, int length) =>
        new("run-1", seq, seq == length ? RunEventTypes.RunSucceeded : RunEventTypes.StepCompleted, DateTimeOffset.UnixEpoch.AddSeconds(seq), "{}");

    /// <summary>Commits up to <paramref name="seq"/> (the run goes on while the follower reads).</summary>
    public void CommitThrough(long seq) => _committed = Math.Min(length, Math.Max(_committed, seq));

    public Task<IReadOnlyList<RunEvent>> ReadAsync(long after, int limit, CancellationToken cancellationToken)
    {
        RecordReads++;
        Guard();
        var events = new List<RunEvent>();
        for (var seq = after + 1; seq <= _committed && events.Count < limit; seq++)
        {
            events.Add(Event(seq, length));
        }

        return Task.FromResult<IReadOnlyList<RunEvent>>(events);
    }

    public Task<bool> EndedAtOrBeforeAsync(long after, CancellationToken cancellationToken) =>
        Task.FromResult(_committed == length && length <= after);

    public ValueTask<RunEvent?> ReadAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        LiveReads++;
        Guard();
        CommitThrough(_committed + _random.Next(0, 3));
        RunEvent? next = null;
        switch (_random.Next(10))
        {
            case < 5 when _delivered < _committed: // in order
                next = Event(++_delivered, length);
                break;
            case 5 when _delivered > 0: // a repeat
                next = Event(_random.NextInt64(1, _delivered + 1), length);
                break;
            case 6 when _delivered + 2 <= _committed: // one lost: a gap
                _delivered += 2;
                next = Event(_delivered, length);
                break;
            case 7 when _committed > 0: // anything committed, out of order
                next = Event(_random.NextInt64(1, _committed + 1), length);
                break;
            case 8 when _delivered < _committed: // overflow: the buffer dropped one, and says so
                Lagging = true;
                _delivered++;
                next = _delivered < _committed ? Event(++_delivered, length) : null;
                break;
            default: // silence
                break;
        }

        return ValueTask.FromResult(next);
    }

    public void Reset() => Lagging = false;

    public void Renew()
    {
        Renewals++;
        _delivered = _committed; // a renewed watch publishes what is committed from now on
    }

    private void Guard()
    {
        if (RecordReads + LiveReads > 100_000)
        {
            throw new InvalidOperationException("The follower does not finish.");
        }
    }
}
