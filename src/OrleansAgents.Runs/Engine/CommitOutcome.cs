using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Engine;

/// <summary>What became of a command: its decision, and whether its events are now durable.</summary>
/// <param name="Decision">What the state machine made of the command.</param>
/// <param name="Committed">The decision's events are committed.</param>
/// <param name="Conflicted">Another commit held the sequence numbers; the state was reloaded, decide again.</param>
internal readonly record struct CommitOutcome(RunDecision Decision, bool Committed, bool Conflicted = false);
