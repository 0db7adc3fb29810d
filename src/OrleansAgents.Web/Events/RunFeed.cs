namespace OrleansAgents.Web.Events;

/// <summary>
/// One run as this front end follows it: its followers, the last sequence number it delivered live, and when to
/// check the journal for what the live feed may have missed. Guarded by the hub's lock.
/// </summary>
internal sealed class RunFeed(string runId, DateTimeOffset now, TimeSpan checkAfter)
{
    public string RunId { get; } = runId;

    public List<LiveSubscription> Subscribers { get; } = [];

    public Task Subscribing { get; set; } = Task.CompletedTask;

    /// <summary>The highest sequence number delivered live, or seen in the journal by a check.</summary>
    public long LastSeq { get; set; }

    /// <summary>The run's terminal event was delivered: nothing more to check.</summary>
    public bool Ended { get; set; }

    /// <summary>When the journal is next checked, unless a live event comes first.</summary>
    public DateTimeOffset NextCheck { get; set; } = now + checkAfter;

    /// <summary>The silence after which the next check comes; doubles while checks find nothing.</summary>
    public TimeSpan CheckInterval { get; set; } = checkAfter;

    /// <summary>When the watch was last renewed (renewals are spaced, however many followers ask).</summary>
    public DateTimeOffset LastRenewal { get; set; } = now;

    /// <summary>A journal check in flight.</summary>
    public bool Checking { get; set; }
}
