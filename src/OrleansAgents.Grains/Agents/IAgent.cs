using System.Text.Json;

namespace OrleansAgents.Agents;

/// <summary>
/// An agent: a deterministic planner over the run's committed steps, and the code that executes a step.
/// The run grain journals every step, so <see cref="Decide"/> only ever sees committed results and a
/// step body runs again only if it was cut off before its result was committed.
/// </summary>
public interface IAgent
{
    /// <summary>The name runs use to pick the agent.</summary>
    string Name { get; }

    /// <summary>The definition's version, recorded in the run; a run resumes with the version it started with.</summary>
    string Version { get; }

    /// <summary>Rejects input the agent cannot run, with <see cref="Runs.InvalidRunRequestException"/>.</summary>
    void ValidateInput(JsonElement input);

    /// <summary>What comes next, from the input and the committed steps alone. Must be deterministic.</summary>
    AgentDecision Decide(AgentContext context);

    /// <summary>Executes one step. Returns its result as JSON text.</summary>
    Task<string> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken);
}

/// <summary>The run as an agent sees it.</summary>
public sealed record AgentContext(string RunId, JsonElement Input, IReadOnlyList<CommittedStep> Steps);

/// <summary>A step whose result is committed.</summary>
/// <param name="Index">Zero-based step index.</param>
/// <param name="Name">The step's name, e.g. <c>bench.step</c> or <c>model</c>.</param>
/// <param name="Result">The committed result as JSON text.</param>
public sealed record CommittedStep(int Index, string Name, string Result);

/// <summary>A step decided and durably started, not yet committed.</summary>
/// <param name="Index">Zero-based step index.</param>
/// <param name="Name">The step's name.</param>
/// <param name="Args">The step's arguments as JSON text.</param>
public sealed record StepPlan(int Index, string Name, string Args);

/// <summary>Everything a step body receives.</summary>
public sealed record StepContext(AgentContext Run, StepPlan Step)
{
    /// <summary>
    /// Stable across retries and resumes of this step: <c>runId:stepIndex</c>. Side effects keyed by it
    /// happen at most once.
    /// </summary>
    public string IdempotencyKey => $"{Run.RunId}:{Step.Index}";
}

/// <summary>The outcome of <see cref="IAgent.Decide"/>.</summary>
public abstract record AgentDecision
{
    private AgentDecision() { }

    /// <summary>Run another step.</summary>
    public sealed record Next(string Name, string Args) : AgentDecision;

    /// <summary>The run succeeded with this output (JSON text).</summary>
    public sealed record Finish(string Output) : AgentDecision;

    /// <summary>The run cannot go on.</summary>
    public sealed record Fail(string Error) : AgentDecision;
}
