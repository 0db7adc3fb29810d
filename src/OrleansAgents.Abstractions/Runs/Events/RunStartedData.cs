namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>run.started</c>: accepted; <c>version</c> is the agent definition the run keeps to its end.</summary>
public sealed record RunStartedData(
    string Agent,
    string Version,
    string Owner,
    RawJson Input,
    string Activation);
