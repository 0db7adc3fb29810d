using System.Text.Json;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>A run's agent bound to the run: what comes next from the agent's memory of the committed steps and the messages.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Agent">The agent definition the run keeps to.</param>
/// <param name="Input">The run's input.</param>
/// <param name="KeyPrefix">What each step's idempotency key starts with (<see cref="RunHeader.IdempotencyPrefix"/>).</param>
internal sealed record RunPlanner(string RunId, IAgent Agent, JsonElement Input, string KeyPrefix)
{
    /// <summary>The limits the run keeps to (steps, step result and journal bytes).</summary>
    public RunQuotaOptions Quotas { get; init; } = new();

    public AgentContext Context(RunState state) =>
        new(RunId, Input, state.StepsDone, Bound(state.Memory), state.Messages) { IdempotencyPrefix = KeyPrefix };

    /// <summary>The agent's next move; an agent that throws fails the run instead of the activation.</summary>
    public AgentDecision Next(int steps, AgentMemory memory, IReadOnlyList<string> messages)
    {
        try
        {
            return Agent.Decide(new AgentContext(RunId, Input, steps, Bound(memory), messages) { IdempotencyPrefix = KeyPrefix });
        }
        catch (Exception ex)
        {
            return new AgentDecision.Fail($"The agent could not decide its next step: {ex.Message}");
        }
    }

    /// <summary>The agent's own memory (the committer binds it after a load; this covers anything it did not).</summary>
    public AgentMemory Bound(AgentMemory memory) => memory is UnboundMemory unbound
        ? unbound.Bind(Agent, Input) ?? throw new InvalidOperationException($"Agent '{Agent.Name}' cannot read the memory in the run's snapshot.")
        : memory;
}
