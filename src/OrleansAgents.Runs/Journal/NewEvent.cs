namespace OrleansAgents.Journal;

/// <summary>An event about to be committed; the sequence number is assigned by the run.</summary>
public sealed record NewEvent(long Seq, string Type, DateTimeOffset At, string Data);
