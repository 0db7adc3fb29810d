using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>The data of <c>run.resumed</c>: a new activation took the run over; <c>read</c> is what it read to do so.</summary>
public sealed record RunResumedData(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Step,
    string Silo,
    string Activation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RunResumedRead? Read);
