using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>run.succeeded</c> (final). <c>usage</c> only when the run used tokens.</summary>
public sealed record RunSucceededData(
    int Steps,
    RawJson Output,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RunUsage? Usage);
