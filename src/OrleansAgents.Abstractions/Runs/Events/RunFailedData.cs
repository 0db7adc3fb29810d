using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>run.failed</c> (final); <c>step</c> when a step failed it. <c>usage</c> only when the run used tokens.</summary>
public sealed record RunFailedData(
    string Error,
    int Steps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Step,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RunUsage? Usage);
