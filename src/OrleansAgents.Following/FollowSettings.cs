using OrleansAgents.Runs;

namespace OrleansAgents.Following;

/// <summary>How a follower reads: the record's page size and how long silence lasts before it checks the record.</summary>
/// <param name="PageSize">Events per read of the record.</param>
/// <param name="IdleCheck">Silence on the live feed after which the record is read again (and the watch renewed).</param>
/// <param name="OnLiveEvent">Called for each event delivered from the live feed (not the record), e.g. to measure lag.</param>
public sealed record FollowSettings(int PageSize, TimeSpan IdleCheck, Action<RunEvent>? OnLiveEvent = null);
