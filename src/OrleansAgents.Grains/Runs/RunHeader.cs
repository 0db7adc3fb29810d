namespace OrleansAgents.Runs;

/// <summary>
/// The run's request in Orleans grain storage (plain JSON), written once when the run is accepted and
/// never again: status and progress live in the journal, whose last event says where the run stands.
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
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
}
