namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>run.upgraded</c>: the run goes on with version <c>to</c>.</summary>
public sealed record RunUpgradedData(
    string From,
    string To);
