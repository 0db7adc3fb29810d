using Microsoft.Extensions.Logging;
using OrleansAgents.Journal;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Sends committed events to the run's live stream, in commit order, without holding up the loop, while
/// a front end watches. Losing one is harmless: followers detect the gap by sequence number and read the
/// journal; a new activation starts with no watchers until the front ends renew their leases.
/// </summary>
internal sealed class LivePublisher(IRunHost host, TimeProvider time, ILogger logger)
{
    private readonly Dictionary<string, DateTimeOffset> _watchers = new(StringComparer.Ordinal);
    private Task _publishing = Task.CompletedTask;

    public void Watch(string watcherId, TimeSpan lease) => _watchers[watcherId] = time.GetUtcNow() + lease;

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

        Send(new RunEventBatch(batch));
    }

    private bool HasWatchers()
    {
        if (_watchers.Count == 0)
        {
            return false;
        }

        var now = time.GetUtcNow();
        foreach (var (watcher, expires) in _watchers.ToList())
        {
            if (expires < now)
            {
                _watchers.Remove(watcher);
            }
        }

        return _watchers.Count > 0;
    }

    private void Send(RunEventBatch batch) => _publishing = SendAfterAsync(_publishing, batch);

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
}
