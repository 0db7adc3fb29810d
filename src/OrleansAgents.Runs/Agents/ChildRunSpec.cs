namespace OrleansAgents.Agents;

/// <summary>A child run to start: a registered agent and its input (JSON text), owned by the parent's owner.</summary>
public sealed record ChildRunSpec(string Agent, string Input);
