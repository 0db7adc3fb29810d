namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>input.requested</c>: the run waits for a person.</summary>
public sealed record InputRequestedData(
    int Step,
    string Kind,
    string Tool,
    RawJson Arguments,
    string Question);
