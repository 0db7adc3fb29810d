namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>step.retrying</c>: attempt <c>attempt</c> failed transiently; the next starts after <c>delayMs</c>.</summary>
public sealed record StepRetryingData(
    int Step,
    int Attempt,
    string Error,
    double DelayMs);
