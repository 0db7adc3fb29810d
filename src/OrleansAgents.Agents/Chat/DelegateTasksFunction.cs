using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace OrleansAgents.Agents.Chat;

/// <summary>
/// The <c>delegate_tasks</c> tool as the model sees it: a list of <c>{ agent, task }</c>, one child run each, run in
/// parallel. Never invoked: the run starts the children itself (<see cref="StepAction.StartChildren"/>) and their
/// outcomes are the tool's result. Its schema (agents as an enum, the task count bounded) is plain JSON Schema that
/// OpenAI-compatible endpoints accept, strict mode included (every property required, no others).
/// </summary>
internal sealed class DelegateTasksFunction : AIFunction
{
    public const string ToolName = "delegate_tasks";

    /// <summary>The longest task text, in characters.</summary>
    public const int MaxTaskChars = 16_000;

    private readonly JsonElement _schema;

    public DelegateTasksFunction(IReadOnlyList<string> agents, int maxTasks)
    {
        Description =
            $"Hands sub-tasks to other agents: one child run per task, all running in parallel; returns when every one has ended, " +
            $"with each child's status and result, or its error. Agents: {string.Join(", ", agents)}. At most {maxTasks} tasks per call. " +
            "Each task is the child's whole request: say what to do and name what it needs.";
        var task = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["agent"] = new JsonObject
                {
                    ["type"] = "string",
                    ["enum"] = new JsonArray([.. agents.Select(a => (JsonNode)a)]),
                    ["description"] = "The agent that does the task.",
                },
                ["task"] = new JsonObject { ["type"] = "string", ["description"] = "What the agent should do: its whole request." },
            },
            ["required"] = new JsonArray("agent", "task"),
            ["additionalProperties"] = false,
        };
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["tasks"] = new JsonObject
                {
                    ["type"] = "array",
                    ["description"] = "The sub-tasks, one child run each.",
                    ["items"] = task,
                    ["minItems"] = 1,
                    ["maxItems"] = maxTasks,
                },
            },
            ["required"] = new JsonArray("tasks"),
            ["additionalProperties"] = false,
        };
        _schema = JsonSerializer.SerializeToElement(schema, AIJsonUtilities.DefaultOptions);
    }

    public override string Name => ToolName;

    public override string Description { get; }

    public override JsonElement JsonSchema => _schema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{ToolName} is done by the run itself (child runs), never invoked.");
}
