using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>
/// The data of <c>child.finished</c>: the child run <c>runId</c> of agent <c>agent</c> (started by step <c>step</c>) ended with <c>status</c>
/// (<c>succeeded</c>, <c>failed</c>, <c>cancelled</c>), its <c>result</c> when it succeeded, its <c>error</c> otherwise.
/// </summary>
public sealed record ChildFinishedData(
    int Step,
    string RunId,
    string Agent,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RawJson? Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);
