namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>child.started</c>: step <c>step</c> starts the child run <c>runId</c> of agent <c>agent</c> (recorded before the child is started).</summary>
public sealed record ChildStartedData(
    int Step,
    string RunId,
    string Agent);
