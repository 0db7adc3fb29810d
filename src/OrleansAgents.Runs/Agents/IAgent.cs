using System.Text.Json;

namespace OrleansAgents.Agents;

/// <summary>
/// An agent: a deterministic planner over the run's committed steps, and the code that executes a step.
/// The run grain journals every step, so <see cref="Decide"/> only ever sees committed results and a
/// step body runs again only if it was cut off before its result was committed. The run does not keep its
/// steps in memory: an agent that needs more than the step count keeps its own <see cref="AgentMemory"/>.
/// </summary>
public interface IAgent
{
    /// <summary>The name runs use to pick the agent.</summary>
    string Name { get; }

    /// <summary>The definition's version, recorded in the run; a run resumes with the version it started with.</summary>
    string Version { get; }

    /// <summary>What a run of an older version does once no silo hosts that version: see <see cref="AgentUpgradePolicy"/>.</summary>
    AgentUpgradePolicy UpgradePolicy => AgentUpgradePolicy.Pin;

    /// <summary>Names of sample documents the agent's input may refer to (shown by the page and <c>GET /api/agents</c>).</summary>
    IReadOnlyList<string> SampleDocuments => [];

    /// <summary>The most steps a run of the agent takes, when it has a fixed limit (shown by <c>GET /api/agents</c> and the page's progress bars). Default: none.</summary>
    int? MaxSteps => null;

    /// <summary>Rejects input the agent cannot run, with <see cref="Runs.InvalidRunRequestException"/>.</summary>
    void ValidateInput(JsonElement input);

    /// <summary>What comes next, from the input, the memory of the committed steps and the steer messages alone. Must be deterministic.</summary>
    AgentDecision Decide(AgentContext context);

    /// <summary>The memory of a run before its first step. Default: none (decisions from the step count, input and messages).</summary>
    AgentMemory NewMemory(JsonElement input) => AgentMemory.None;

    /// <summary>
    /// A memory read back from a snapshot (its <see cref="AgentMemory.ToJson"/>, written by this or an earlier
    /// version of the agent). Null when it cannot be read: the run then rebuilds it from its whole journal.
    /// </summary>
    AgentMemory? ReadMemory(JsonElement input, string json) => AgentMemory.None;

    /// <summary>
    /// How the run grain treats a step before and around its execution: approval, side effects,
    /// idempotency, timeout and attempts.
    /// </summary>
    StepPolicy GetPolicy(StepPlan step) => StepPolicy.Default;

    /// <summary>Whether a step's failure is worth another attempt (the model client's own error types, say).</summary>
    bool IsTransient(Exception exception) => Runs.TransientFailures.IsTransient(exception);

    /// <summary>Executes one step. Returns its result as JSON text and the model tokens it used.</summary>
    Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken);

    /// <summary>The result committed for a step a person decided not to run.</summary>
    string SkippedResult(StepPlan step, string reason) =>
        $$"""{"rejected":true,"reason":{{JsonSerializer.Serialize(reason)}}}""";
}
