using Microsoft.Extensions.Options;
using OrleansAgents.Journal;
using OrleansAgents.Runs;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Web.Events;

/// <summary>
/// The front end's live subscriptions: this silo observes each run some client follows, once, shared by every
/// client following that run, released when the last one leaves. The run sends each commit's events straight here
/// (<see cref="IRunEventObserver"/>, one message per commit and front end); the hub hands them to the followers.
/// Live delivery is best effort, so the hub also checks the journal for a run that has gone quiet, once per run
/// however many follow it (<see cref="FrontEndOptions.IdleJournalCheck"/>, backing off to 30 s while nothing is new),
/// and wakes its followers to read the record when the journal holds more than was delivered.
/// </summary>
public sealed partial class RunEventHub(
    IClusterClient cluster, ILocalSiloDetails silo, JournalStore store, IOptions<FrontEndOptions> options, ILogger<RunEventHub> logger)
    : BackgroundService, IRunEventObserver
{
    /// <summary>How long a run keeps sending to this front end without a renewal.</summary>
    private static readonly TimeSpan WatchLease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WatchRenewal = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RenewalSpacing = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestCheckInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private readonly string _watcherId = silo.SiloAddress.ToParsableString();
    private readonly Dictionary<string, RunFeed> _feeds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private IRunEventObserver? _self;

    private TimeSpan IdleCheck => options.Value.IdleJournalCheck;

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
        RunFeed feed;
        LiveSubscription subscription;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(runId, out feed!))
            {
                feed = new RunFeed(runId, TimeProvider.System.GetUtcNow(), IdleCheck);
                _feeds[runId] = feed;
                // Observe the run before followers read the record (only observed runs send), so nothing falls between.
                feed.Subscribing = WatchAsync(runId);
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
    /// Renews this front end's watch on a run now, when a follower hears nothing: the run's activation may have
    /// moved and lost its watchers. At most once per <see cref="RenewalSpacing"/> per run.
    /// </summary>
    internal void Renew(RunFeed feed)
    {
        var now = TimeProvider.System.GetUtcNow();
        lock (_gate)
        {
            if (!_feeds.TryGetValue(feed.RunId, out var current) || current != feed || now - feed.LastRenewal < RenewalSpacing)
            {
                return;
            }

            feed.LastRenewal = now;
        }

        _ = WatchAsync(feed.RunId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        var nextRenewal = TimeProvider.System.GetUtcNow() + WatchRenewal;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = TimeProvider.System.GetUtcNow();
            if (now >= nextRenewal)
            {
                nextRenewal = now + WatchRenewal;
                string[] runs;
                lock (_gate)
                {
                    runs = [.. _feeds.Keys];
                }

                await Parallel.ForEachAsync(runs, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = stoppingToken },
                    async (runId, _) => await WatchAsync(runId));
            }

            await CheckQuietFeedsAsync(now, stoppingToken);
        }
    }

    /// <summary>One journal read per run that has been quiet for its check interval, not one per follower.</summary>
    private async Task CheckQuietFeedsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<RunFeed> due = [];
        lock (_gate)
        {
            foreach (var feed in _feeds.Values)
            {
                if (!feed.Ended && !feed.Checking && now >= feed.NextCheck)
                {
                    feed.Checking = true;
                    due.Add(feed);
                }
            }
        }

        // A few at a time: the front end's PostgreSQL pool is small and serves the API too.
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (feed, ct) => await CheckAsync(feed, ct));
    }

    private async Task CheckAsync(RunFeed feed, CancellationToken cancellationToken)
    {
        RunEvent? last = null;
        try
        {
            last = await store.ReadLastEventAsync(feed.RunId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.QuietCheckFailed(logger, feed.RunId, ex.Message);
        }

        LiveSubscription[] behind = [];
        lock (_gate)
        {
            feed.Checking = false;
            if (last is not null && last.Seq > feed.LastSeq)
            {
                feed.LastSeq = last.Seq;
                feed.Ended |= RunEventTypes.IsTerminal(last.Type);
                feed.CheckInterval = IdleCheck;
                behind = [.. feed.Subscribers];
            }
            else
            {
                feed.CheckInterval = TimeSpan.FromTicks(Math.Min(feed.CheckInterval.Ticks * 2, LongestCheckInterval.Ticks));
            }

            feed.NextCheck = TimeProvider.System.GetUtcNow() + feed.CheckInterval;
        }

        if (behind.Length > 0)
        {
            // The journal has more than this front end was sent: the run may have moved and forgotten it.
            _ = WatchAsync(feed.RunId);
            foreach (var subscriber in behind)
            {
                subscriber.MarkBehind();
            }
        }
    }

    private async Task WatchAsync(string runId)
    {
        try
        {
            // The reference to this hub that runs send to; made once, held here (observers are held weakly).
            _self ??= cluster.CreateObjectReference<IRunEventObserver>(this);
            await cluster.GetGrain<IAgentRunGrain>(runId).ObserveAsync(_watcherId, _self, WatchLease);
        }
        catch (Exception ex)
        {
            Log.WatchFailed(logger, runId, ex.Message);
        }
    }

    /// <summary>A run's commit, sent here because this silo observes the run.</summary>
    Task IRunEventObserver.OnEventsAsync(RunEventBatch batch)
    {
        if (batch.Events.Count == 0)
        {
            return Task.CompletedTask;
        }

        // One commit, one timestamp: how long the commit and the hop from the worker took, before any fan-out here.
        AgentsTelemetry.EventArrival.Record((DateTimeOffset.UtcNow - batch.Events[0].At).TotalMilliseconds);
        LiveSubscription[] subscribers;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(batch.Events[0].RunId, out var feed))
            {
                return Task.CompletedTask; // nobody here follows it any more; the lease will run out
            }

            var last = batch.Events[^1];
            feed.LastSeq = Math.Max(feed.LastSeq, last.Seq);
            feed.Ended |= RunEventTypes.IsTerminal(last.Type);
            feed.CheckInterval = IdleCheck;
            feed.NextCheck = TimeProvider.System.GetUtcNow() + IdleCheck;
            subscribers = [.. feed.Subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Offer(batch.Events);
        }

        return Task.CompletedTask;
    }

    internal void Release(LiveSubscription subscription)
    {
        var feed = subscription.Feed;
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

        _ = UnwatchAsync(feed);
    }

    private async Task UnwatchAsync(RunFeed feed)
    {
        try
        {
            await feed.Subscribing;
            bool followedAgain;
            lock (_gate)
            {
                followedAgain = _feeds.ContainsKey(feed.RunId);
            }

            if (!followedAgain)
            {
                await cluster.GetGrain<IAgentRunGrain>(feed.RunId).UnwatchAsync(_watcherId);
            }
        }
        catch (Exception ex)
        {
            Log.UnsubscribeFailed(logger, feed.RunId, ex.Message);
        }
    }
}
