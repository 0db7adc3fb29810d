using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>step.completed</c>: the step's result is committed. <c>usage</c> only when the step used tokens.</summary>
public sealed record StepCompletedData(
    int Step,
    string Name,
    double DurationMs,
    RawJson Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RunUsage? Usage);
