namespace OrleansAgents.Agents;

/// <summary>A step whose result is committed.</summary>
/// <param name="Index">Zero-based step index.</param>
/// <param name="Name">The step's name, e.g. <c>bench.step</c> or <c>model</c>.</param>
/// <param name="Result">The committed result as JSON text.</param>
/// <param name="Args">The step's arguments as JSON text, as committed when it started.</param>
public sealed record CommittedStep(int Index, string Name, string Result, string Args = "{}");
