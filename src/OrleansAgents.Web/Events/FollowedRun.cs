using OrleansAgents.Following;
using OrleansAgents.Journal;
using OrleansAgents.Runs;

namespace OrleansAgents.Web.Events;

/// <summary>
/// One client's follow of a run: subscribes to the run's live events, then enumerates the <see cref="ResumeRule"/>
/// over the journal and that subscription, and releases the subscription when disposed. Written out rather than as an
/// async iterator around the rule's: a front end holds one per client for as long as the client stays (10,000 at a
/// time in E2), and a second iterator's state machine and box cost about 300 bytes each, this about 80.
/// </summary>
internal sealed class FollowedRun(
    RunEventHub hub, JournalStore store, string runId, long after, int capacity, FollowSettings settings, CancellationToken cancellationToken)
    : IAsyncEnumerable<RunEvent>, IAsyncEnumerator<RunEvent>
{
    private CancellationToken _cancellationToken = cancellationToken;
    private CancellationTokenSource? _linked;
    private LiveSubscription? _live;
    private IAsyncEnumerator<RunEvent>? _events;
    private bool _enumerating;

    public RunEvent Current => _events is null ? throw new InvalidOperationException("Call MoveNextAsync first.") : _events.Current;

    public IAsyncEnumerator<RunEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var follow = _enumerating ? new FollowedRun(hub, store, runId, after, capacity, settings, _cancellationToken) : this;
        follow._enumerating = true;
        if (cancellationToken.CanBeCanceled && cancellationToken != follow._cancellationToken)
        {
            // As an async iterator does with [EnumeratorCancellation]: either token cancels.
            if (follow._cancellationToken.CanBeCanceled)
            {
                follow._linked = CancellationTokenSource.CreateLinkedTokenSource(follow._cancellationToken, cancellationToken);
                follow._cancellationToken = follow._linked.Token;
            }
            else
            {
                follow._cancellationToken = cancellationToken;
            }
        }

        return follow;
    }

    public ValueTask<bool> MoveNextAsync() => _events is null ? StartAsync() : _events.MoveNextAsync();

    public async ValueTask DisposeAsync()
    {
        if (_events is not null)
        {
            await _events.DisposeAsync();
        }

        if (_live is not null)
        {
            await _live.DisposeAsync();
        }

        _linked?.Dispose();
    }

    private async ValueTask<bool> StartAsync()
    {
        // Subscribe before reading the record, so nothing committed in between is missed.
        _live = await hub.SubscribeAsync(runId, capacity, _cancellationToken);
        _events = ResumeRule.FollowAsync(new JournalRecord(store, runId), _live, after, settings, _cancellationToken).GetAsyncEnumerator(_cancellationToken);
        return await _events.MoveNextAsync();
    }
}
