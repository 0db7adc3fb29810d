namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>run.pinned</c>: nothing runs until a silo hosts <c>version</c>; the run fails at <c>until</c>.</summary>
public sealed record RunPinnedData(
    string Version,
    DateTimeOffset Until);
