namespace OrleansAgents.Runs.Core;

/// <summary>What an activation read to take a run over, recorded in its <c>run.resumed</c> event.</summary>
/// <param name="SnapshotSeq">The snapshot it started from (0: the run's first event).</param>
/// <param name="Events">Events read after it.</param>
/// <param name="Milliseconds">Reading and folding them, binding the agent's memory included.</param>
internal sealed record RunLoad(long SnapshotSeq, int Events, double Milliseconds);
