namespace OrleansAgents.Runs;

/// <summary>
/// The run's request in Orleans grain storage (plain JSON), written when the run is accepted (and once
/// more when retention removes it): status and progress live in the journal, whose last event says where
/// the run stands.
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

    /// <summary>
    /// Tells this run from any earlier one under the same ID (removed by retention): part of every step's
    /// idempotency key, so a new run never repeats an old run's keys. Empty for runs accepted before it existed.
    /// </summary>
    [Id(8)] public string Incarnation { get; set; } = "";

    /// <summary>Retention is removing the run: it reads as unknown, and the next activation finishes the removal.</summary>
    [Id(9)] public bool Expired { get; set; }

    /// <summary>The run that started this one as its child; null for a top-level run.</summary>
    [Id(10)] public ParentRun? Parent { get; set; }

    /// <summary>A copy to change: the header in memory stays as stored until a write of the copy succeeds.</summary>
    public RunHeader Copy() => (RunHeader)MemberwiseClone();

    /// <summary>What each step's idempotency key starts with: <c>runId:incarnation</c> (<c>runId</c> for older runs).</summary>
    public string IdempotencyPrefix => Incarnation.Length > 0 ? $"{RunId}:{Incarnation}" : RunId;
}
