using System.Threading.Channels;
using OrleansAgents.Runs;

namespace OrleansAgents.Following;

/// <summary>
/// One follower's live events: a bounded buffer that flags overflow instead of growing or blocking the feed.
/// Subclasses say how to renew the watch that fills it.
/// </summary>
public abstract class LiveEventBuffer : ILiveRunEvents
{
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

    /// <inheritdoc />
    public async ValueTask<RunEvent?> ReadAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out var ready))
        {
            return ready;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(idle);
        try
        {
            return await _channel.Reader.WaitToReadAsync(timeout.Token) && _channel.Reader.TryRead(out var next) ? next : null;
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

    /// <summary>No more events will be offered (the follower left).</summary>
    protected void Complete() => _channel.Writer.TryComplete();
}
