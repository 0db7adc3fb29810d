using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace OrleansAgents.Agents.Chat;

/// <summary>
/// A model-driven agent: instructions, a model and tools. Register one with
/// <c>services.AddChatAgent(...)</c>; <see cref="ChatAgent"/> runs it as journaled steps.
/// </summary>
public sealed class ChatAgentDefinition
{
    public required string Name { get; init; }

    /// <summary>
    /// The definition's version, recorded in each run. Null: derived from the instructions, tools and
    /// limits, so any change to them is a new version and runs in flight keep the one they started with.
    /// </summary>
    public string? Version { get; init; }

    public required string Instructions { get; init; }

    public required IChatClient Model { get; init; }

    public IReadOnlyList<AgentTool> Tools { get; init; } = [];

    /// <summary>The most steps (model and tool calls) a run may take; past it, the run fails.</summary>
    public int MaxSteps { get; init; } = 40;

    /// <summary>
    /// Agents (registered names) this agent may hand sub-tasks to with the built-in <c>delegate_tasks</c> tool: one
    /// child run per task, run in parallel in one step, their outcomes the tool's result. Empty: no such tool.
    /// </summary>
    public IReadOnlyList<string> Delegates { get; init; } = [];

    /// <summary>The most tasks one <c>delegate_tasks</c> call may hand out (the run's own limits apply too).</summary>
    public int MaxDelegatedTasks { get; init; } = 10;

    /// <summary>
    /// A child run's input (JSON text) for a delegated task, given this run's input. Throw
    /// <see cref="ArgumentException"/> to refuse the task: the model gets the message as the tool's error and no child
    /// starts. Must be deterministic. Null: the task's text as a JSON string, which a chat agent takes as its user request.
    /// </summary>
    public Func<JsonElement, DelegatedTask, string>? DelegateInput { get; init; }

    /// <summary>Per-attempt timeout of a model call; null for the run default.</summary>
    public TimeSpan? ModelTimeout { get; init; }

    /// <summary>Default per-attempt timeout of a tool call; null for the run default.</summary>
    public TimeSpan? ToolTimeout { get; init; }

    /// <summary>Checks a run's input; throw <see cref="Runs.InvalidRunRequestException"/> to refuse it.</summary>
    public Action<JsonElement> ValidateInput { get; init; } = _ => { };

    /// <summary>The user's first message, from the run's input.</summary>
    public Func<JsonElement, string> UserMessage { get; init; } = input =>
        input.ValueKind == JsonValueKind.String ? input.GetString()! : input.GetRawText();

    /// <summary>
    /// What a run of an older version of this definition does once no silo hosts that version. Upgrade (the
    /// default): the chat agent's decisions read its memory of the committed steps alone (the conversation so
    /// far), which any version reads, so the current definition can take the next decision.
    /// </summary>
    public AgentUpgradePolicy UpgradePolicy { get; init; } = AgentUpgradePolicy.Upgrade;

    /// <summary>Names of sample documents the agent's input may refer to.</summary>
    public IReadOnlyList<string> SampleDocuments { get; init; } = [];

    /// <summary>
    /// What the run's output needs from its steps, folded one committed step at a time and kept in the agent's
    /// memory (and snapshots): given what it kept so far (null at first) and a step, what it keeps now. Must not
    /// change the object it is given; return a new one when something changes. Null: nothing kept.
    /// </summary>
    public Func<JsonObject?, CommittedStep, JsonObject?>? Track { get; init; }

    /// <summary>The run's output from what <see cref="Track"/> kept and the model's final text; null: <c>{ "text": ... }</c>.</summary>
    public Func<JsonObject?, string, string>? Output { get; init; }
}
