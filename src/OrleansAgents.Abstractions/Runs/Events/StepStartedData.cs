namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>step.started</c>: step <c>step</c> is decided and will run.</summary>
public sealed record StepStartedData(
    int Step,
    string Name,
    string IdempotencyKey,
    RawJson Args);
