namespace OrleansAgents.Agents;

/// <summary>A step decided and durably started, not yet committed.</summary>
/// <param name="Index">Zero-based step index.</param>
/// <param name="Name">The step's name.</param>
/// <param name="Args">The step's arguments as JSON text.</param>
public sealed record StepPlan(int Index, string Name, string Args);
