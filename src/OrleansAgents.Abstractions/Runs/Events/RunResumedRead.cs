namespace OrleansAgents.Runs.Events;

/// <summary>The data of What a <c>run.resumed</c> activation read: the snapshot it started from (0: none), the events after it, the milliseconds reading and folding them took.</summary>
public sealed record RunResumedRead(
    long SnapshotSeq,
    int Events,
    double Ms);
