using System.Threading.Channels;
using OrleansAgents.Runs;

namespace OrleansAgents.Following;

/// <summary>
/// One follower's live events: a bounded buffer that flags overflow instead of growing or blocking the feed.
/// Subclasses say how to renew the watch that fills it.
/// </summary>
public abstract class LiveEventBuffer : ILiveRunEvents
{
    /// <summary>Not an event: <see cref="MarkBehind"/>'s wake-up, read as silence.</summary>
    private static readonly RunEvent Behind = new("", -1, "", DateTimeOffset.MinValue, "");
    private readonly Channel<RunEvent> _channel;
    private volatile bool _lagging;

    protected LiveEventBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _channel = Channel.CreateBounded<RunEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <inheritdoc />
    public bool Lagging => _lagging;

    /// <summary>Adds live events; when the buffer is full the rest are dropped and <see cref="Lagging"/> is set.</summary>
    public void Offer(IReadOnlyList<RunEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            if (!_channel.Writer.TryWrite(e))
            {
                _lagging = true;
                return;
            }
        }
    }

    /// <summary>
    /// Wakes the follower as if its feed had gone silent: the feed knows it missed something (the record holds more
    /// than it delivered), so the follower renews the watch and reads the record now rather than after its idle time.
    /// </summary>
    public void MarkBehind()
    {
        if (!_channel.Writer.TryWrite(Behind))
        {
            _lagging = true; // full: the follower reads the record at its next event anyway
        }
    }

    /// <inheritdoc />
    public async ValueTask<RunEvent?> ReadAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out var ready))
        {
            return Real(ready);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(idle);
        try
        {
            return await _channel.Reader.WaitToReadAsync(timeout.Token) && _channel.Reader.TryRead(out var next) ? Real(next) : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        _lagging = false;
        while (_channel.Reader.TryRead(out _))
        {
        }
    }

    /// <inheritdoc />
    public abstract void Renew();

    private static RunEvent? Real(RunEvent e) => ReferenceEquals(e, Behind) ? null : e;

    /// <summary>No more events will be offered (the follower left).</summary>
    protected void Complete() => _channel.Writer.TryComplete();
}
