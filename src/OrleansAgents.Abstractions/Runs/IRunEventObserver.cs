using Orleans.Concurrency;

namespace OrleansAgents.Runs;

/// <summary>
/// A front end's live feed: a run that a front end observes sends each commit's events straight to it, one message
/// per commit, without the hops of a stream. Best effort: followers detect a lost or late batch by sequence number
/// and read the journal.
/// </summary>
[Alias("OrleansAgents.IRunEventObserver")]
public interface IRunEventObserver : IGrainObserver
{
    /// <summary>The events of one commit of one run, in order.</summary>
    [OneWay]
    [Alias("OnEvents")]
    Task OnEventsAsync(RunEventBatch batch);
}
