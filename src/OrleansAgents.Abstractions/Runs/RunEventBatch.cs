namespace OrleansAgents.Runs;

/// <summary>
/// What a run publishes on its live stream after each commit: the events of that commit, in order.
/// Live delivery only; the journal in PostgreSQL is the record.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansAgents.RunEventBatch")]
public sealed record RunEventBatch([property: Id(0)] IReadOnlyList<RunEvent> Events);
