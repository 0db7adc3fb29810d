using System.Text.Json;

namespace OrleansAgents.Agents;

/// <summary>The run as an agent sees it.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Input">The run's input.</param>
/// <param name="StepCount">How many steps are committed.</param>
/// <param name="Memory">The agent's memory of the committed steps (<see cref="IAgent.NewMemory"/>, folded by each step).</param>
/// <param name="Messages">Steer messages sent to the run, in order.</param>
public sealed record AgentContext(string RunId, JsonElement Input, int StepCount, AgentMemory Memory, IReadOnlyList<string> Messages)
{
    /// <summary>What the run's idempotency keys start with: <c>runId:incarnation</c>, so a run under a reused ID never repeats an old run's keys.</summary>
    public string IdempotencyPrefix { get; init; } = RunId;
}
