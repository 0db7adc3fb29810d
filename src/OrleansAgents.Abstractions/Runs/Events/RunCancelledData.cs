using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>run.cancelled</c> (final). <c>usage</c> only when the run used tokens.</summary>
public sealed record RunCancelledData(
    string Reason,
    int Steps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RunUsage? Usage);
