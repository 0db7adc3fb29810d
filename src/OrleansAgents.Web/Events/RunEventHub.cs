using System.Threading.Channels;
using Orleans.Streams;
using OrleansAgents.Runs;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Web.Events;

/// <summary>
/// The front end's live subscriptions: one Orleans stream subscription per run on this silo, shared by
/// every client following that run, released when the last one leaves.
/// </summary>
public sealed partial class RunEventHub(IClusterClient cluster, ILocalSiloDetails silo, ILogger<RunEventHub> logger) : BackgroundService
{
    /// <summary>How long a run keeps publishing for this front end without a renewal.</summary>
    private static readonly TimeSpan WatchLease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WatchRenewal = TimeSpan.FromSeconds(20);
    private readonly string _watcherId = silo.SiloAddress.ToParsableString();
    private readonly IClusterClient _cluster = cluster;
    private readonly ILogger<RunEventHub> _logger = logger;
    private readonly Dictionary<string, Feed> _feeds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Runs with at least one follower on this silo.</summary>
    public int ActiveFeeds
    {
        get
        {
            lock (_gate)
            {
                return _feeds.Count;
            }
        }
    }

    /// <summary>Subscribes to a run's live events. Dispose the subscription when the client leaves.</summary>
    public async Task<LiveSubscription> SubscribeAsync(string runId, int capacity, CancellationToken cancellationToken)
    {
        Feed feed;
        LiveSubscription subscription;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(runId, out feed!))
            {
                feed = new Feed(this, runId);
                _feeds[runId] = feed;
                feed.Subscribing = feed.SubscribeAsync();
            }

            subscription = new LiveSubscription(this, feed, capacity);
            feed.Subscribers.Add(subscription);
            AgentsTelemetry.StreamSubscribers.Add(1);
        }

        try
        {
            await feed.Subscribing.WaitAsync(cancellationToken);
        }
        catch
        {
            await subscription.DisposeAsync();
            throw;
        }

        return subscription;
    }

    /// <summary>
    /// Renews this front end's watch on a run now, e.g. when its followers hear nothing: the run's
    /// activation may have moved and lost its watchers.
    /// </summary>
    public void Renew(string runId)
    {
        lock (_gate)
        {
            if (!_feeds.ContainsKey(runId))
            {
                return;
            }
        }

        _ = WatchAsync(runId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(WatchRenewal);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            string[] runs;
            lock (_gate)
            {
                runs = [.. _feeds.Keys];
            }

            await Parallel.ForEachAsync(runs, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = stoppingToken },
                async (runId, _) => await WatchAsync(runId));
        }
    }

    private async Task WatchAsync(string runId)
    {
        try
        {
            await _cluster.GetGrain<IAgentRunGrain>(runId).WatchAsync(_watcherId, WatchLease);
        }
        catch (Exception ex)
        {
            Log.WatchFailed(_logger, runId, ex.Message);
        }
    }

    private void Release(LiveSubscription subscription)
    {
        Feed feed = subscription.Feed;
        lock (_gate)
        {
            if (!feed.Subscribers.Remove(subscription))
            {
                return;
            }

            AgentsTelemetry.StreamSubscribers.Add(-1);
            if (feed.Subscribers.Count > 0)
            {
                return;
            }

            _feeds.Remove(feed.RunId);
        }

        _ = feed.UnsubscribeAsync();
    }

    private void Deliver(Feed feed, RunEventBatch batch)
    {
        LiveSubscription[] subscribers;
        lock (_gate)
        {
            subscribers = [.. feed.Subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Offer(batch.Events);
        }
    }

    internal sealed class Feed(RunEventHub hub, string runId)
    {
        private StreamSubscriptionHandle<RunEventBatch>? _handle;

        public string RunId { get; } = runId;

        public List<LiveSubscription> Subscribers { get; } = [];

        public Task Subscribing { get; set; } = Task.CompletedTask;

        public async Task SubscribeAsync()
        {
            try
            {
                var stream = hub._cluster.GetStreamProvider(OrleansAgentsNames.StreamProvider)
                    .GetStream<RunEventBatch>(StreamId.Create(OrleansAgentsNames.RunEventsNamespace, RunId));
                _handle = await stream.SubscribeAsync((batch, _) =>
                {
                    hub.Deliver(this, batch);
                    return Task.CompletedTask;
                });

                // Only watched runs publish: register before followers read the record, so nothing falls between.
                await hub.WatchAsync(RunId);
            }
            catch (Exception ex)
            {
                // Live delivery is an optimisation: followers fall back to reading the journal.
                Log.SubscribeFailed(hub._logger, RunId, ex.Message);
            }
        }

        public async Task UnsubscribeAsync()
        {
            try
            {
                await Subscribing;
                bool followedAgain;
                lock (hub._gate)
                {
                    followedAgain = hub._feeds.ContainsKey(RunId);
                }

                if (!followedAgain)
                {
                    await hub._cluster.GetGrain<IAgentRunGrain>(RunId).UnwatchAsync(hub._watcherId);
                }

                if (_handle is not null)
                {
                    await _handle.UnsubscribeAsync();
                }
            }
            catch (Exception ex)
            {
                Log.UnsubscribeFailed(hub._logger, RunId, ex.Message);
            }
        }
    }

    /// <summary>One client's view of a run's live events: a bounded buffer that flags overflow instead of growing.</summary>
    public sealed class LiveSubscription : IAsyncDisposable
    {
        private readonly RunEventHub _hub;
        private readonly Channel<RunEvent> _channel;
        private int _disposed;

        internal LiveSubscription(RunEventHub hub, Feed feed, int capacity)
        {
            _hub = hub;
            Feed = feed;
            _channel = Channel.CreateBounded<RunEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        }

        internal Feed Feed { get; }

        /// <summary>Set when the client fell behind and live events were dropped: read the journal.</summary>
        public bool Lagging { get; private set; }

        public ChannelReader<RunEvent> Reader => _channel.Reader;

        internal void Offer(IReadOnlyList<RunEvent> events)
        {
            foreach (var e in events)
            {
                if (!_channel.Writer.TryWrite(e))
                {
                    Lagging = true;
                    return;
                }
            }
        }

        /// <summary>Drops what is buffered and clears the lagging flag, before a catch-up read.</summary>
        public void Reset()
        {
            Lagging = false;
            while (_channel.Reader.TryRead(out _))
            {
            }
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _channel.Writer.TryComplete();
                _hub.Release(this);
            }

            return ValueTask.CompletedTask;
        }
    }
}
