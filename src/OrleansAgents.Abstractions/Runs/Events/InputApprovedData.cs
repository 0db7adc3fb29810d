using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>input.approved</c>: the pending request was approved.</summary>
public sealed record InputApprovedData(
    int Step,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Comment,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key);
