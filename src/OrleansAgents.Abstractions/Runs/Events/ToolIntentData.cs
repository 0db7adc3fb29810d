namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>tool.intent</c>: a tool with side effects is about to run.</summary>
public sealed record ToolIntentData(
    int Step,
    string Tool,
    string IdempotencyKey);
