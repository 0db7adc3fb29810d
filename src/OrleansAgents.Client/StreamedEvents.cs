using Orleans.Streams;
using OrleansAgents.Following;
using OrleansAgents.Runs;

namespace OrleansAgents.Client;

/// <summary>
/// A run's live events for one watch of the typed client, from the run's Orleans stream, under a lease of its own
/// on the run that it renews while it follows and gives back when it ends. Live delivery is best effort; the record
/// fills in whatever it loses.
/// </summary>
internal sealed class StreamedEvents(IAgentRunGrain run, string watcherId) : LiveEventBuffer(Capacity), IAsyncDisposable
{
    private const int Capacity = 1024;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    private StreamSubscriptionHandle<RunEventBatch>? _handle;

    /// <summary>Subscribes to the run's stream, then asks the run to publish on it (only watched runs publish).</summary>
    public static async Task<StreamedEvents> SubscribeAsync(IClusterClient cluster, string runId, string watcherId)
    {
        var live = new StreamedEvents(cluster.GetGrain<IAgentRunGrain>(runId), watcherId);
        var stream = cluster.GetStreamProvider(OrleansAgentsNames.StreamProvider)
            .GetStream<RunEventBatch>(StreamId.Create(OrleansAgentsNames.RunEventsNamespace, runId));
        await BestEffortAsync(async () => live._handle = await stream.SubscribeAsync((batch, _) =>
        {
            live.Offer(batch.Events);
            return Task.CompletedTask;
        }));
        await live.WatchAsync();
        return live;
    }

    public override void Renew() => _ = WatchAsync();

    /// <summary>Leaves the stream and gives the lease back: a run nobody watches publishes nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        Complete();
        if (_handle is not null)
        {
            await BestEffortAsync(() => _handle.UnsubscribeAsync());
        }

        await BestEffortAsync(() => run.UnwatchAsync(watcherId));
    }

    private Task WatchAsync() => BestEffortAsync(() => run.WatchAsync(watcherId, Lease));

    private static async Task BestEffortAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception)
        {
            // Best effort: with no live feed the follower reads the record after each silence.
        }
    }
}
