using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>input.rejected</c>: the pending request was rejected.</summary>
public sealed record InputRejectedData(
    int Step,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key);
