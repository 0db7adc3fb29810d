namespace OrleansAgents.Runs.Core;

/// <summary>A child run as the parent's journal tells it: started by a step, and how it ended once the parent heard.</summary>
/// <param name="RunId">The child's run ID (<see cref="ChildRunIds"/>).</param>
/// <param name="Agent">Its agent.</param>
/// <param name="Step">The parent's step that started it.</param>
/// <param name="Status">How it ended; null while the parent has not heard.</param>
/// <param name="Result">Its output (JSON text) when it succeeded.</param>
/// <param name="Error">Why it failed or was cancelled.</param>
internal sealed record ChildRun(string RunId, string Agent, int Step, RunStatus? Status = null, string? Result = null, string? Error = null)
{
    public bool Finished => Status is not null;

    public ChildRunInfo Info => new(RunId, Agent, Step, Status ?? RunStatus.Running);
}
