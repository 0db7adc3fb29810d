namespace OrleansAgents.Agents;

/// <summary>Everything a step body receives.</summary>
/// <param name="Run">The run.</param>
/// <param name="Step">The step to execute.</param>
/// <param name="OnText">Receives streamed model text as it arrives; the engine commits it as drafts (<c>step.delta</c>), a few a second.</param>
public sealed record StepContext(AgentContext Run, StepPlan Step, Action<string>? OnText = null)
{
    /// <summary>
    /// Stable across retries and resumes of this step: <c>runId:incarnation:stepIndex</c>. Side effects keyed
    /// by it happen at most once.
    /// </summary>
    public string IdempotencyKey => $"{Run.IdempotencyPrefix}:{Step.Index}";
}
