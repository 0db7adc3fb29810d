namespace OrleansAgents.Runs;

/// <summary>
/// The run's small header in Orleans grain storage (plain JSON). Written when the run is accepted and
/// when its status changes, never per step: progress lives in the journal.
/// </summary>
[GenerateSerializer, Alias("OrleansAgents.RunHeader")]
public sealed class RunHeader
{
    [Id(0)] public string RunId { get; set; } = "";
    [Id(1)] public string Agent { get; set; } = "";
    [Id(2)] public string AgentVersion { get; set; } = "";
    [Id(3)] public string Owner { get; set; } = "";
    [Id(4)] public string Input { get; set; } = "null";
    [Id(5)] public string RequestHash { get; set; } = "";
    [Id(6)] public RunStatus Status { get; set; }
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(9)] public string? Result { get; set; }
    [Id(10)] public string? Error { get; set; }
    [Id(11)] public long LastSeq { get; set; }
    [Id(12)] public int Steps { get; set; }
}
