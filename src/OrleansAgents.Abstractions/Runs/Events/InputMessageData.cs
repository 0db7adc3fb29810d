using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>input.message</c>: a steer message from the user.</summary>
public sealed record InputMessageData(
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key);
