using Microsoft.Extensions.Logging;
using OrleansAgents.Journal;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Sends committed events live, in commit order, without holding up the loop, while someone watches: straight to
/// each observing front end (one one-way message per commit), and on the run's stream for stream watchers (the typed
/// client). Losing a batch is harmless: followers detect the gap by sequence number and read the journal; a new
/// activation starts with no watchers until they renew their leases.
/// </summary>
internal sealed class LivePublisher(IRunHost host, TimeProvider time, ILogger logger)
{
    private readonly Dictionary<string, Watcher> _watchers = new(StringComparer.Ordinal);
    private Task _publishing = Task.CompletedTask;

    public void Watch(string watcherId, TimeSpan lease, IRunEventObserver? observer = null) =>
        _watchers[watcherId] = new Watcher(time.GetUtcNow() + lease, observer);

    public void Unwatch(string watcherId) => _watchers.Remove(watcherId);

    public void Publish(IReadOnlyList<NewEvent> events)
    {
        if (!HasWatchers())
        {
            return;
        }

        var batch = new RunEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            batch[i] = new RunEvent(host.RunId, e.Seq, e.Type, e.At, e.Data);
        }

        var message = new RunEventBatch(batch);
        var toStream = false;
        foreach (var watcher in _watchers.Values)
        {
            if (watcher.Observer is { } observer)
            {
                Deliver(observer, message);
            }
            else
            {
                toStream = true;
            }
        }

        if (toStream)
        {
            _publishing = SendAfterAsync(_publishing, message);
        }
    }

    private bool HasWatchers()
    {
        if (_watchers.Count == 0)
        {
            return false;
        }

        var now = time.GetUtcNow();
        foreach (var (watcher, state) in _watchers.ToList())
        {
            if (state.Expires < now)
            {
                _watchers.Remove(watcher);
            }
        }

        return _watchers.Count > 0;
    }

    private void Deliver(IRunEventObserver observer, RunEventBatch batch)
    {
        try
        {
            // One-way: returns once the message is queued; nothing waits for the front end.
            _ = observer.OnEventsAsync(batch);
        }
        catch (Exception ex)
        {
            Log.PublishFailed(logger, host.RunId, batch.Events[0].Seq, ex.Message);
        }
    }

    private async Task SendAfterAsync(Task previous, RunEventBatch next)
    {
        await previous;
        try
        {
            await host.PublishAsync(next);
        }
        catch (Exception ex)
        {
            Log.PublishFailed(logger, host.RunId, next.Events[0].Seq, ex.Message);
        }
    }

    private readonly record struct Watcher(DateTimeOffset Expires, IRunEventObserver? Observer);
}
