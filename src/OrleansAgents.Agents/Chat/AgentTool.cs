using Microsoft.Extensions.AI;

namespace OrleansAgents.Agents.Chat;

/// <summary>A tool an agent's model may call, with what the run grain must know before running it.</summary>
public sealed record AgentTool(AIFunction Function)
{
    public string Name => Function.Name;

    /// <summary>The run waits for a person to approve each call.</summary>
    public bool RequiresApproval { get; init; }

    /// <summary>
    /// The tool changes the world: its intent is committed before it runs. True unless the tool says
    /// otherwise: a tool that declares nothing is treated as the riskiest kind. Read-only tools opt out.
    /// </summary>
    public bool SideEffects { get; init; } = true;

    /// <summary>
    /// A second call with the same idempotency key has no further effect. False unless the tool says so:
    /// a call cut off after its intent, or failing transiently, is then not repeated without a person's decision.
    /// </summary>
    public bool Idempotent { get; init; }

    /// <summary>Per-attempt timeout; null for the agent's default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>What a person is asked before an approved tool runs.</summary>
    public string? ApprovalQuestion { get; init; }
}

/// <summary>
/// What a tool receives besides its arguments, through <see cref="AIFunctionArguments.Context"/>:
/// read it with <see cref="ToolCallContext.From"/>.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Step">The step that calls the tool.</param>
/// <param name="Input">The run's input.</param>
/// <param name="IdempotencyKey">Stable across retries and resumes of the call: <c>runId:incarnation:step</c>.</param>
public sealed record ToolCallContext(string RunId, int Step, System.Text.Json.JsonElement Input, string IdempotencyKey)
{
    public static ToolCallContext From(AIFunctionArguments arguments) =>
        arguments.Context?.TryGetValue(typeof(ToolCallContext), out var value) == true && value is ToolCallContext context
            ? context
            : throw new InvalidOperationException("The tool was called outside a run.");
}
