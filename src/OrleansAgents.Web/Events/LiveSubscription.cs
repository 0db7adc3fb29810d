using OrleansAgents.Following;

namespace OrleansAgents.Web.Events;

/// <summary>One client's view of a run's live events: a bounded buffer that flags overflow instead of growing.</summary>
public sealed class LiveSubscription : LiveEventBuffer, IAsyncDisposable
{
    private readonly RunEventHub _hub;
    private int _disposed;

    internal LiveSubscription(RunEventHub hub, RunFeed feed, int capacity)
        : base(capacity, readerInline: true)
    {
        _hub = hub;
        Feed = feed;
    }

    internal RunFeed Feed { get; }

    /// <inheritdoc />
    public override void Renew() => _hub.Renew(Feed);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Complete();
            _hub.Release(this);
        }

        return ValueTask.CompletedTask;
    }
}
