namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>timer.started</c>: step <c>step</c> sleeps until <c>until</c>; the run holds no activation meanwhile.</summary>
public sealed record TimerStartedData(
    int Step,
    DateTimeOffset Until);
