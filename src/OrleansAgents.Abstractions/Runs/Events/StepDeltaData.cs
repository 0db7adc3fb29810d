namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>step.delta</c>: a draft of the model's streamed text while step <c>step</c> runs.</summary>
public sealed record StepDeltaData(
    int Step,
    string Text);
