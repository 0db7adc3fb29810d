namespace OrleansAgents.Runs;

/// <summary>
/// One committed entry of a run's ordered event history. Sequence numbers start at 1 and have no gaps.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Seq">Per-run sequence number.</param>
/// <param name="Type">One of <see cref="RunEventTypes"/>.</param>
/// <param name="At">Commit time.</param>
/// <param name="Data">Event payload as JSON text.</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.RunEvent")]
public sealed record RunEvent(
    [property: Id(0)] string RunId,
    [property: Id(1)] long Seq,
    [property: Id(2)] string Type,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Data);
