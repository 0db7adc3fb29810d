namespace OrleansAgents.Runs.Events;

/// <summary>
/// A committed event as every API shows it: <c>{ "runId", "seq", "type", "at", "data" }</c>, with the stored
/// payload as <c>data</c>, byte for byte.
/// </summary>
public sealed record RunEventEnvelope(string RunId, long Seq, string Type, DateTimeOffset At, RawJson Data)
{
    public static RunEventEnvelope Of(RunEvent e) => new(e.RunId, e.Seq, e.Type, e.At, new RawJson(e.Data));
}
