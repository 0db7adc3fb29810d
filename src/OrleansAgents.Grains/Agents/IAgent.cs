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

    /// <summary>
    /// How the run grain treats a step before and around its execution: approval, side effects,
    /// idempotency, timeout and attempts.
    /// </summary>
    StepPolicy GetPolicy(StepPlan step) => StepPolicy.Default;

    /// <summary>Executes one step. Returns its result as JSON text and the model tokens it used.</summary>
    Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken);

    /// <summary>The result committed for a step a person decided not to run.</summary>
    string SkippedResult(StepPlan step, string reason) =>
        $$"""{"rejected":true,"reason":{{JsonSerializer.Serialize(reason)}}}""";
}

/// <summary>The run as an agent sees it.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Input">The run's input.</param>
/// <param name="Steps">Committed steps, in order.</param>
/// <param name="Messages">Steer messages sent to the run, in order.</param>
public sealed record AgentContext(string RunId, JsonElement Input, IReadOnlyList<CommittedStep> Steps, IReadOnlyList<string> Messages);

/// <summary>A step whose result is committed.</summary>
/// <param name="Index">Zero-based step index.</param>
/// <param name="Name">The step's name, e.g. <c>bench.step</c> or <c>model</c>.</param>
/// <param name="Result">The committed result as JSON text.</param>
/// <param name="Args">The step's arguments as JSON text, as committed when it started.</param>
public sealed record CommittedStep(int Index, string Name, string Result, string Args = "{}");

/// <summary>What a step body returns.</summary>
/// <param name="Result">The result as JSON text.</param>
/// <param name="Usage">Model tokens the step used, if it called a model.</param>
public sealed record StepOutput(string Result, Runs.RunUsage? Usage = null);

/// <summary>How the run grain treats a step.</summary>
public sealed record StepPolicy
{
    public static readonly StepPolicy Default = new();

    /// <summary>The run waits in WaitingForInput until a person approves or rejects the step.</summary>
    public bool RequiresApproval { get; init; }

    /// <summary>The step changes the world: its intent is committed before it runs.</summary>
    public bool SideEffects { get; init; }

    /// <summary>
    /// Running the step again with the same idempotency key has no further effect. A cut-off step with side
    /// effects that is not idempotent is not run again without a person's decision.
    /// </summary>
    public bool Idempotent { get; init; } = true;

    /// <summary>Per-attempt timeout; null for the run's default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Attempts in all, counting the first, for transient failures; null for the run's default.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>The tool the step calls, for approval questions.</summary>
    public string? Tool { get; init; }

    /// <summary>The tool's arguments as JSON text, for approval questions.</summary>
    public string? ToolArguments { get; init; }

    /// <summary>What a person is asked before the step runs.</summary>
    public string? ApprovalQuestion { get; init; }
}

/// <summary>A step decided and durably started, not yet committed.</summary>
/// <param name="Index">Zero-based step index.</param>
/// <param name="Name">The step's name.</param>
/// <param name="Args">The step's arguments as JSON text.</param>
public sealed record StepPlan(int Index, string Name, string Args);

/// <summary>Everything a step body receives.</summary>
/// <param name="Run">The run.</param>
/// <param name="Step">The step to execute.</param>
/// <param name="OnText">Receives streamed model text as it arrives (live only, never stored).</param>
public sealed record StepContext(AgentContext Run, StepPlan Step, Action<string>? OnText = null)
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
