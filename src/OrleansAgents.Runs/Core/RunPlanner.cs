using System.Text.Json;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>A run's agent bound to the run: what comes next from the committed steps and messages alone.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Agent">The agent definition the run keeps to.</param>
/// <param name="Input">The run's input.</param>
/// <param name="KeyPrefix">What each step's idempotency key starts with (<see cref="RunHeader.IdempotencyPrefix"/>).</param>
internal sealed record RunPlanner(string RunId, IAgent Agent, JsonElement Input, string KeyPrefix)
{
    public AgentContext Context(IReadOnlyList<CommittedStep> steps, IReadOnlyList<string> messages) =>
        new(RunId, Input, steps, messages) { IdempotencyPrefix = KeyPrefix };

    /// <summary>The agent's next move; an agent that throws fails the run instead of the activation.</summary>
    public AgentDecision Next(IReadOnlyList<CommittedStep> steps, IReadOnlyList<string> messages)
    {
        try
        {
            return Agent.Decide(Context(steps, messages));
        }
        catch (Exception ex)
        {
            return new AgentDecision.Fail($"The agent could not decide its next step: {ex.Message}");
        }
    }
}
