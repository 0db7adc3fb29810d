namespace OrleansAgents.Agents;

/// <summary>What a step body returns.</summary>
/// <param name="Result">The result as JSON text.</param>
/// <param name="Usage">Model tokens the step used, if it called a model.</param>
public sealed record StepOutput(string Result, Runs.RunUsage? Usage = null);
