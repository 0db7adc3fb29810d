using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>
/// The data of <c>timer.fired</c>: the sleep of step <c>step</c> is over. <c>early</c> when something woke it before
/// <c>until</c> (<c>reason</c> says what: a steer message). Committed with the step's result.
/// </summary>
public sealed record TimerFiredData(
    int Step,
    DateTimeOffset Until,
    DateTimeOffset FiredAt,
    bool Early,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);
