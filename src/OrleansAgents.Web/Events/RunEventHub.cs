using OrleansAgents.Following;
using OrleansAgents.Runs;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Web.Events;

/// <summary>
/// The front end's live subscriptions: this silo observes each run some client follows, once, shared by every
/// client following that run, released when the last one leaves. The run sends each commit's events straight here
/// (<see cref="IRunEventObserver"/>, one message per commit and front end); the hub hands them to the followers.
/// </summary>
public sealed partial class RunEventHub(IClusterClient cluster, ILocalSiloDetails silo, ILogger<RunEventHub> logger) : BackgroundService, IRunEventObserver
{
    /// <summary>How long a run keeps publishing for this front end without a renewal.</summary>
    private static readonly TimeSpan WatchLease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WatchRenewal = TimeSpan.FromSeconds(20);
    private readonly string _watcherId = silo.SiloAddress.ToParsableString();
    private readonly IClusterClient _cluster = cluster;
    private readonly ILogger<RunEventHub> _logger = logger;
    private readonly Dictionary<string, Feed> _feeds = new(StringComparer.Ordinal);
    private IRunEventObserver? _self;
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
            // The reference to this hub that runs send to; made once, held here (observers are held weakly).
            _self ??= _cluster.CreateObjectReference<IRunEventObserver>(this);
            await _cluster.GetGrain<IAgentRunGrain>(runId).ObserveAsync(_watcherId, _self, WatchLease);
        }
        catch (Exception ex)
        {
            Log.WatchFailed(_logger, runId, ex.Message);
        }
    }

    /// <summary>A run's commit, sent here because this silo observes the run.</summary>
    Task IRunEventObserver.OnEventsAsync(RunEventBatch batch)
    {
        if (batch.Events.Count == 0)
        {
            return Task.CompletedTask;
        }

        LiveSubscription[] subscribers;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(batch.Events[0].RunId, out var feed))
            {
                return Task.CompletedTask; // nobody here follows it any more; the lease will run out
            }

            subscribers = [.. feed.Subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Offer(batch.Events);
        }

        return Task.CompletedTask;
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

    internal sealed class Feed(RunEventHub hub, string runId)
    {
        public string RunId { get; } = runId;

        public List<LiveSubscription> Subscribers { get; } = [];

        public Task Subscribing { get; set; } = Task.CompletedTask;

        /// <summary>Observes the run before followers read the record (only observed runs send), so nothing falls between.</summary>
        public Task SubscribeAsync() => hub.WatchAsync(RunId);

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
            }
            catch (Exception ex)
            {
                Log.UnsubscribeFailed(hub._logger, RunId, ex.Message);
            }
        }
    }

    /// <summary>One client's view of a run's live events: a bounded buffer that flags overflow instead of growing.</summary>
    public sealed class LiveSubscription : LiveEventBuffer, IAsyncDisposable
    {
        private readonly RunEventHub _hub;
        private int _disposed;

        internal LiveSubscription(RunEventHub hub, Feed feed, int capacity)
            : base(capacity)
        {
            _hub = hub;
            Feed = feed;
        }

        internal Feed Feed { get; }

        /// <inheritdoc />
        public override void Renew() => _hub.Renew(Feed.RunId);

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
}
